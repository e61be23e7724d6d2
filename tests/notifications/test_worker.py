"""Delivery through a real Celery worker and a real Redis, including a broker outage.

Each test starts its own Redis (so it can be stopped without touching anything else)
and a worker process on the test's PostgreSQL database. The worker sends e-mail through
``tests.notifications.flaky_email``, which the test can make fail and can read back, and
SMS over HTTP to a provider served by the test (``tests.notifications.provider``).
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from candidates import services as candidate_services
from notifications import services
from notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from notifications.services.outbox import broker_pause_reset
from p2mi_portal.celery import app as celery_app
from tests.candidates.factories import CandidateFactory
from tests.programs.factories import ProgramFactory

from .provider import FakeProvider

pytestmark = [pytest.mark.postgres, pytest.mark.broker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_for(condition, timeout: float = 60, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {message}")


class PrivateRedis:
    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def _ping(self) -> bool:
        result = subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True, check=False
        )
        return result.stdout.strip() == "PONG"

    def start(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
            ],
            check=True,
            capture_output=True,
        )
        _wait_for(self._ping, 10, "redis to start")

    def stop(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True, check=False
        )
        _wait_for(lambda: not self._ping(), 10, "redis to stop")


def _forget_broker_connections() -> None:
    """Make this process's Celery app connect afresh (to another broker, or after a restart).

    The pause after a failed dispatch is forgotten too, as if NOTIFICATION_BROKER_PAUSE had passed.
    """
    broker_pause_reset()
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def redis_server(monkeypatch):
    server = PrivateRedis()
    server.start()
    # This process publishes to the private Redis too (Celery prefers the environment).
    previous = celery_app.conf.broker_url
    _forget_broker_connections()
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)
    celery_app.conf.broker_url = server.url
    yield server
    _forget_broker_connections()
    celery_app.conf.broker_url = previous
    server.stop()


@pytest.fixture
def email_dir(tmp_path):
    (tmp_path / "failures_left").write_text("0")
    return tmp_path


@pytest.fixture
def sms_provider():
    with FakeProvider() as provider:
        yield provider


SMS_TOKEN = "test-sms-token"


@pytest.fixture
def worker(redis_server, email_dir, sms_provider):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": redis_server.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "FLAKY_EMAIL_DIR": str(email_dir),
        "SMS_BACKEND": "http",
        "SMS_HTTP_URL": sms_provider.url,
        "SMS_HTTP_TOKEN": SMS_TOKEN,
        "WHATSAPP_BACKEND": "file",
        "NOTIFICATION_FILE_DIR": str(email_dir / "texts"),
        "PYTHONPATH": str(ROOT),
    }
    celery = Path(sys.executable).with_name("celery")
    process = subprocess.Popen(
        [
            str(celery),
            "-A",
            "p2mi_portal",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(email_dir / "worker.log", "w"),  # noqa: SIM115 - closed with the process
        start_new_session=True,
    )
    _wait_for(
        lambda: "ready." in (email_dir / "worker.log").read_text() or process.poll() is not None,
        60,
        "the worker to start",
    )
    assert process.poll() is None, (email_dir / "worker.log").read_text()[-3000:]
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def _sent(email_dir: Path) -> list[dict]:
    sent = email_dir / "sent"
    return [json.loads(path.read_text()) for path in sent.glob("*.json")] if sent.exists() else []


def _status(delivery_id: int) -> str:
    return Delivery.objects.get(pk=delivery_id).status


def _stage_notice(candidate) -> Delivery:
    """A notice written directly, with its e-mail delivery, not yet dispatched."""
    notice = Notification.objects.create(
        recipient=candidate.user,
        kind=NotificationKind.STAGE_CHANGED,
        context={"program_id": ProgramFactory().pk, "stage": "shortlisted"},
    )
    return Delivery.objects.create(notification=notice, channel=Channel.EMAIL)


@pytest.fixture
def open_program(db):
    today = timezone.localdate()
    return ProgramFactory(
        status="published",
        recruitment_opens=today.replace(day=1) if today.day > 1 else today,
        recruitment_closes=today + datetime.timedelta(days=30),
        target_departure=today + datetime.timedelta(days=120),
        required_document_kinds=[],
        graduation_year_min=2020,
        graduation_year_max=today.year,
        age_min=18,
        age_max=40,
        age_reference_date=today,
    )


def test_an_application_made_while_redis_is_down_is_saved_and_notified_once_after(
    redis_server, worker, email_dir, open_program
):
    candidate = CandidateFactory()
    redis_server.stop()

    with transaction.atomic():
        application = candidate_services.application_submit(
            candidate=candidate, program=open_program, track=open_program.tracks.get(), consent=True
        )
    # The request's work is saved; the notice waits in the outbox.
    notice = Notification.objects.get(recipient=candidate.user, kind=NotificationKind.APPLICATION_RECEIVED)
    email = notice.deliveries.get(channel=Channel.EMAIL)
    assert application.pk
    assert email.status == DeliveryStatus.PENDING
    assert _sent(email_dir) == []

    redis_server.start()
    _forget_broker_connections()
    assert services.deliveries_sweep(quiet_for=datetime.timedelta(0)) == 1
    _wait_for(lambda: _status(email.pk) == DeliveryStatus.SENT, message="the notice to be sent")
    # Sweeping again (and a duplicate task) sends nothing more.
    services.deliveries_sweep(quiet_for=datetime.timedelta(0))
    services.delivery_dispatch(delivery_id=email.pk)
    time.sleep(2)
    sent = _sent(email_dir)
    assert len(sent) == 1
    assert sent[0]["to"] == [candidate.user.email]


def test_a_task_run_twice_sends_once(redis_server, worker, email_dir):
    email = _stage_notice(CandidateFactory())
    services.delivery_dispatch(delivery_id=email.pk)
    services.delivery_dispatch(delivery_id=email.pk)
    _wait_for(lambda: _status(email.pk) == DeliveryStatus.SENT, message="the notice to be sent")
    time.sleep(2)
    assert len(_sent(email_dir)) == 1
    assert Delivery.objects.get(pk=email.pk).attempts == 1


def test_a_provider_failing_twice_then_succeeding_gives_one_delivery(
    redis_server, worker, email_dir, sms_provider
):
    (email_dir / "failures_left").write_text("2")
    sms_provider.failures = 2
    candidate = CandidateFactory()
    candidate.user.phone = "+6281234567890"
    candidate.user.save()
    NotificationPreference.objects.create(user=candidate.user, email=True, sms=True, whatsapp=False)
    program = ProgramFactory(title="Program Uji")

    # Written as a service writes it, and dispatched to the worker when the transaction commits.
    with transaction.atomic():
        notice = services.notification_queue(
            recipient=candidate.user,
            kind=NotificationKind.STAGE_CHANGED,
            context={"program_id": program.pk, "stage": "shortlisted"},
        )
    email = notice.deliveries.get(channel=Channel.EMAIL)
    sms = notice.deliveries.get(channel=Channel.SMS)
    assert not notice.deliveries.filter(channel=Channel.WHATSAPP).exists()
    for delivery in (email, sms):
        _wait_for(lambda d=delivery: _status(d.pk) == DeliveryStatus.SENT, message="the retries to succeed")
        delivery.refresh_from_db()
        assert delivery.attempts == 3
        assert delivery.last_error == ""
    time.sleep(1)
    assert len(_sent(email_dir)) == 1
    # Three requests reached the provider; only the third was taken, and it is the one SMS.
    assert [request["status"] for request in sms_provider.requests] == [500, 500, 200]
    (message,) = sms_provider.delivered
    assert message["to"] == "+6281234567890"
    assert message["channel"] == "sms"
    assert message["sender"] == "KP2MI"
    assert "Program Uji" in message["text"]
    assert sms_provider.requests[-1]["headers"]["Authorization"] == f"Bearer {SMS_TOKEN}"
    assert sms.provider_message_id == "msg-3"
