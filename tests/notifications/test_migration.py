"""Migration 0003 carries each notification's e-mail delivery state into an e-mail delivery, and back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.accounts.factories import UserFactory

BEFORE = [("notifications", "0002_inbox_reminders_and_broadcasts")]
AFTER = [("notifications", "0003_delivery_per_channel_and_preferences")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_delivery_state_moves_to_email_deliveries_and_back():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("notifications")
    try:
        apps = _migrate(BEFORE)
        Notification = apps.get_model("notifications", "Notification")
        user = apps.get_model("accounts", "User").objects.get(pk=UserFactory().pk)
        now = timezone.now()
        sent = Notification.objects.create(
            recipient=user, kind="stage_changed", status="sent", attempts=1, attempted_at=now, sent_at=now
        )
        failed = Notification.objects.create(
            recipient=user,
            kind="broadcast",
            status="failed",
            attempts=8,
            last_error="SMTP: down",
            attempted_at=now,
        )
        pending = Notification.objects.create(recipient=user, kind="broadcast")

        apps = _migrate(AFTER)
        Delivery = apps.get_model("notifications", "Delivery")
        rows = {
            row["notification_id"]: row
            for row in Delivery.objects.values(
                "notification_id", "channel", "status", "attempts", "last_error", "sent_at", "created_at"
            )
        }
        assert set(rows) == {sent.pk, failed.pk, pending.pk}
        assert {row["channel"] for row in rows.values()} == {"email"}
        assert (rows[sent.pk]["status"], rows[sent.pk]["attempts"], rows[sent.pk]["sent_at"]) == (
            "sent",
            1,
            now,
        )
        assert (rows[failed.pk]["status"], rows[failed.pk]["attempts"], rows[failed.pk]["last_error"]) == (
            "failed",
            8,
            "SMTP: down",
        )
        assert (rows[pending.pk]["status"], rows[pending.pk]["attempts"]) == ("pending", 0)
        # The inbox row is untouched: one notification each, with its time.
        assert apps.get_model("notifications", "Notification").objects.count() == 3
        assert (
            rows[sent.pk]["created_at"]
            == apps.get_model("notifications", "Notification").objects.get(pk=sent.pk).created_at
        )
        # A message sent only by SMS has no e-mail delivery: going back must not e-mail it.
        sms_only = apps.get_model("notifications", "Notification").objects.create(
            recipient_id=user.pk, kind="broadcast"
        )
        Delivery.objects.create(notification_id=sms_only.pk, channel="sms", status="pending")

        apps = _migrate(BEFORE)
        Notification = apps.get_model("notifications", "Notification")
        back = {n.pk: (n.status, n.attempts, n.last_error) for n in Notification.objects.all()}
        assert back == {
            sent.pk: ("sent", 1, ""),
            failed.pk: ("failed", 8, "SMTP: down"),
            pending.pk: ("pending", 0, ""),
            sms_only.pk: ("sent", 0, ""),
        }
    finally:
        _migrate(latest)
