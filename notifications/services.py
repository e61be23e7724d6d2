"""Queueing and delivering notifications."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User

from .models import DeliveryStatus, Notification

logger = logging.getLogger(__name__)


def notification_queue(*, recipient: User, kind: str, context: Mapping[str, Any]) -> Notification:
    """Write the notification now; hand it to a worker once the transaction commits."""
    notification = Notification.objects.create(recipient=recipient, kind=kind, context=dict(context))
    transaction.on_commit(lambda: notification_dispatch(notification_id=notification.pk))
    return notification


def notification_dispatch(*, notification_id: int) -> None:
    """Ask a worker to deliver. A broker outage must not fail the request that caused it."""
    from .tasks import notification_send

    try:
        notification_send.delay(notification_id)
    except Exception:  # the broker (or, when tasks run in-process, the channel) failed
        logger.warning("notification %s stays pending: dispatch failed", notification_id, exc_info=True)


def _render_context(notification: Notification) -> dict[str, Any]:
    """The stored context with its ids and codes turned into what the templates show."""
    from candidates.models import Stage
    from programs.models import PlacementTrack, Program

    context: dict[str, Any] = dict(notification.context)
    for key, value in notification.context.items():
        if key.endswith("_at") and isinstance(value, str):
            context[key] = timezone.localtime(datetime.datetime.fromisoformat(value))
    if "program_id" in context:
        context["program"] = Program.objects.filter(pk=context["program_id"]).first()
    if "track_id" in context:
        context["track"] = PlacementTrack.objects.filter(pk=context["track_id"]).first()
    if context.get("stage") in Stage.values:
        context["stage_label"] = Stage(context["stage"]).label
    context["recipient"] = notification.recipient
    context["home_url"] = settings.SITE_URL + reverse("candidates:home")
    return context


def notification_render(notification: Notification) -> tuple[str, str]:
    """Subject and body in the recipient's language."""
    with translation.override(notification.recipient.language or settings.LANGUAGE_CODE):
        context = _render_context(notification)
        subject = render_to_string(f"notifications/{notification.kind}_subject.txt", context)
        body = render_to_string(f"notifications/{notification.kind}.txt", context)
    return " ".join(subject.split()), body.strip() + "\n"


class DeliveryFailed(Exception):
    """The channel refused or failed; the notification stays pending for a retry."""


def notification_deliver(*, notification_id: int) -> bool:
    """Send a pending notification once; ``False`` when there was nothing (left) to send."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .select_related("recipient")
            .filter(pk=notification_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if notification is None:
            return False
        subject, body = notification_render(notification)
        notification.attempts += 1
        try:
            send_mail(subject, body, None, [notification.recipient.email])
        except Exception as exc:
            failure = f"{type(exc).__name__}: {exc}"[:500]
            notification.last_error = failure
            notification.save(update_fields=["attempts", "last_error"])
        else:
            notification.status = DeliveryStatus.SENT
            notification.sent_at = timezone.now()
            notification.last_error = ""
            notification.save(update_fields=["status", "sent_at", "attempts", "last_error"])
            return True
    logger.warning("notification %s not delivered: %s", notification_id, failure.split(":")[0])
    raise DeliveryFailed(failure)
