"""Broadcast fan-out benchmark: ``make bench-broadcast`` (part of ``make bench``).

Uses the API benchmark's database (``BENCH_DATABASE_URL``; seeded if needed), whose second
programme has about 100,000 applicants, and a Redis database (``BENCH_BROKER_URL``, default
``redis://127.0.0.1:6379/2``, emptied first). It prints:

1. seconds to enqueue: writing one notification per recipient and its deliveries (one per
   channel the recipient chose; every tenth seeded applicant chooses e-mail, SMS and WhatsApp,
   the others keep the defaults, e-mail and WhatsApp) in batches of 1,000, and queueing a
   delivery task per batch (``notifications.services.broadcast_fan_out``);
2. deliveries sent per second by one worker (``BENCH_WORKER_CONCURRENCY`` processes,
   default 2) with the console backends (e-mail, SMS, WhatsApp), over ``BENCH_SECONDS``
   (default 60) or until every delivery is sent.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/p2mi_bench")
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/2")
APPLICATIONS = int(os.environ.get("BENCH_APPLICATIONS", "1000000"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
CONCURRENCY = int(os.environ.get("BENCH_WORKER_CONCURRENCY", "2"))


def main() -> None:
    os.environ.update(
        {
            "DATABASE_URL": DATABASE_URL,
            "CELERY_BROKER_URL": BROKER_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_URL": "consolemail://",
            "SMS_BACKEND": "console",
            "WHATSAPP_BACKEND": "console",
            "DJANGO_SETTINGS_MODULE": "p2mi_portal.settings",
        }
    )
    from .bench_api import _ensure_database

    _ensure_database()
    import django

    django.setup()
    import redis
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import Role, User
    from notifications.models import Broadcast, Delivery, DeliveryStatus, Notification
    from notifications.services import broadcast_audience, broadcast_fan_out
    from programs.models import Program

    from . import seed

    call_command("migrate", verbosity=0)
    seed.seed(APPLICATIONS)
    redis.Redis.from_url(BROKER_URL).flushdb()
    staff = User.objects.filter(email="bench-staff@p2mi.go.id").first() or User.objects.create_user(
        "bench-staff@p2mi.go.id", None, full_name="Bench", role=Role.STAFF, is_staff=True
    )
    old = Broadcast.objects.filter(created_by=staff)
    Notification.objects.filter(
        kind="broadcast", context__broadcast_id__in=list(old.values_list("pk", flat=True))
    ).delete()
    old.delete()
    with connection.cursor() as cursor:
        # Every tenth applicant wants every channel; the rest never chose (the defaults).
        cursor.execute(
            "INSERT INTO notifications_notificationpreference (user_id, email, sms, whatsapp, updated_at) "
            "SELECT id, true, true, true, now() FROM accounts_user "
            "WHERE email LIKE 'bench%%@contoh.id' AND id %% 10 = 0 ON CONFLICT DO NOTHING",
            [],
        )
    broadcast = Broadcast.objects.create(
        program=Program.objects.get(code=seed.OTHER_PROGRAM),
        subject="Jadwal tes tertulis",
        body="Tes tertulis diadakan hari Senin pukul 08.00 WIB.",
        created_by=staff,
        sent_at=timezone.now(),
    )
    audience = broadcast_audience(broadcast).count()
    print(f"audience: {audience:,} recipients", flush=True)

    before = Delivery.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = time.perf_counter()
    written = broadcast_fan_out(broadcast_id=broadcast.pk)
    enqueue_seconds = time.perf_counter() - started
    deliveries = Delivery.objects.filter(pk__gt=before)
    to_send = deliveries.filter(status=DeliveryStatus.PENDING).count()
    print(
        f"enqueue: {written:,} notifications and {deliveries.count():,} deliveries ({to_send:,} to send) "
        f"written and queued in {enqueue_seconds:.1f} s",
        flush=True,
    )

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    celery = Path(sys.executable).with_name("celery")
    worker = subprocess.Popen(
        [
            str(celery),
            "-A",
            "p2mi_portal",
            "worker",
            "--concurrency",
            str(CONCURRENCY),
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    sent_rows = deliveries.filter(status=DeliveryStatus.SENT)
    try:
        while sent_rows.count() == 0:
            time.sleep(0.2)
        begun = time.perf_counter()
        first = sent_rows.count()
        sent = first
        while time.perf_counter() - begun < SECONDS and sent < to_send:
            time.sleep(1)
            sent = sent_rows.count()
        elapsed = time.perf_counter() - begun
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
    rate = (sent - first) / elapsed
    by_channel = sent_rows.values_list("channel").annotate(n=Count("pk")).order_by("channel")
    channels = ", ".join(f"{channel} {count:,}" for channel, count in by_channel)
    print(
        f"delivery: {sent:,} of {to_send:,} sent ({channels}); "
        f"{rate:,.0f} deliveries/s by one worker ({CONCURRENCY} processes)"
    )
    print(f"enqueue rate: {written / enqueue_seconds:,.0f} notifications/s")


if __name__ == "__main__":
    main()
