"""A message is sent once even when the worker dies between the provider's "OK" and the commit.

Every try of one delivery names it to the provider with the same key (``Idempotency-Key``
for SMS and WhatsApp, the Message-ID for e-mail), so the provider — or the mail client —
recognises a second copy of a message it already took.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail

from notifications.models import Channel, Delivery, DeliveryStatus, Notification, NotificationKind
from notifications.services import outbox
from notifications.services.outbox import delivery_deliver, delivery_key
from tests.candidates.factories import CandidateFactory
from tests.programs.factories import ProgramFactory

from .provider import FakeProvider
from .test_worker import _database_url as database_url

ROOT = Path(__file__).resolve().parents[2]
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def _delivery(channel: str) -> Delivery:
    candidate = CandidateFactory(user__phone="+6281234567890")
    notice = Notification.objects.create(
        recipient=candidate.user,
        kind=NotificationKind.STAGE_CHANGED,
        context={"program_id": ProgramFactory().pk, "stage": "shortlisted"},
    )
    return Delivery.objects.create(notification=notice, channel=channel)


@pytest.fixture
def sms_provider(settings):
    with FakeProvider() as provider:
        settings.SMS_BACKEND = "http"
        settings.SMS_HTTP_URL = provider.url
        yield provider


class _Crash(Exception):
    """The worker dying after the provider answered and before the row is committed."""


def _crash_when_recording_the_answer(monkeypatch) -> None:
    real_save = Delivery.save

    def save(self, *args, **kwargs):
        if self.status == DeliveryStatus.SENT:
            monkeypatch.setattr(Delivery, "save", real_save)
            raise _Crash
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Delivery, "save", save)


def test_each_try_of_a_delivery_names_it_to_the_provider_with_the_same_key(db, sms_provider):
    first, second = _delivery(Channel.SMS), _delivery(Channel.SMS)
    sms_provider.failures = 1

    with pytest.raises(outbox.DeliveryFailed):
        delivery_deliver(delivery_id=first.pk)
    assert delivery_deliver(delivery_id=first.pk)
    assert delivery_deliver(delivery_id=second.pk)

    keys = [request["headers"]["Idempotency-Key"] for request in sms_provider.requests]
    assert keys == [delivery_key(first.pk), delivery_key(first.pk), delivery_key(second.pk)]
    assert [request["json"]["idempotency_key"] for request in sms_provider.requests] == keys
    assert delivery_key(first.pk) != delivery_key(second.pk)
    # Unguessable from the id alone, and not the same in another deployment.
    assert delivery_key(first.pk).startswith(f"p2mi-delivery-{first.pk}-")
    assert len(delivery_key(first.pk)) > len(f"p2mi-delivery-{first.pk}-") + 12


def test_a_deployment_with_another_secret_names_the_same_delivery_differently(settings):
    key = delivery_key(42)
    settings.SECRET_KEY = "another-deployment-" + "x" * 40
    assert delivery_key(42) != key


def test_a_crash_after_the_providers_ok_does_not_send_the_text_twice(db, sms_provider, monkeypatch):
    delivery = _delivery(Channel.SMS)
    _crash_when_recording_the_answer(monkeypatch)

    with pytest.raises(_Crash):
        delivery_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)  # nothing was recorded

    assert delivery_deliver(delivery_id=delivery.pk)  # the retry

    delivery.refresh_from_db()
    assert len(sms_provider.requests) == 2
    assert len(sms_provider.sent) == 1
    assert (delivery.status, delivery.provider_message_id) == (DeliveryStatus.SENT, "msg-1")


def test_an_email_sent_again_after_a_crash_carries_the_same_message_id(db, settings, monkeypatch):
    settings.EMAIL_BACKEND = LOCMEM
    settings.SITE_URL = "https://portal.kp2mi.go.id"
    delivery = _delivery(Channel.EMAIL)
    _crash_when_recording_the_answer(monkeypatch)

    with pytest.raises(_Crash):
        delivery_deliver(delivery_id=delivery.pk)
    assert delivery_deliver(delivery_id=delivery.pk)

    first, again = mail.outbox
    assert first.extra_headers["Message-ID"] == again.extra_headers["Message-ID"]
    assert first.extra_headers["Message-ID"] == f"<{delivery_key(delivery.pk)}@portal.kp2mi.go.id>"
    delivery.refresh_from_db()
    assert delivery.provider_message_id == first.extra_headers["Message-ID"]


_DIE_AFTER_SENDING = """
import os, sys
import django
django.setup()
from notifications import channels
from notifications.services.outbox import delivery_deliver
real_send = channels.HttpBackend.send
def send_then_die(self, **message):
    real_send(self, **message)
    os._exit(9)  # killed between the provider's answer and the commit
channels.HttpBackend.send = send_then_die
delivery_deliver(delivery_id=int(sys.argv[1]))
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_between_the_providers_ok_and_the_commit_sends_once(sms_provider):
    delivery = _delivery(Channel.SMS)
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "p2mi_portal.settings",
        "DATABASE_URL": database_url(),
        "SMS_BACKEND": "http",
        "SMS_HTTP_URL": sms_provider.url,
    }
    environment.pop("CELERY_BROKER_URL", None)  # the process sends by itself

    died = subprocess.run(
        [sys.executable, "-c", _DIE_AFTER_SENDING, str(delivery.pk)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        timeout=120,
    )

    assert died.returncode == 9, died.stderr.decode()[-2000:]
    assert len(sms_provider.sent) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)  # its transaction died with it

    assert delivery_deliver(delivery_id=delivery.pk)  # the sweep's or the task's retry

    delivery.refresh_from_db()
    assert len(sms_provider.requests) == 2
    assert len(sms_provider.sent) == 1
    assert (delivery.status, delivery.provider_message_id) == (DeliveryStatus.SENT, "msg-1")
