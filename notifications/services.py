"""Queueing and delivering notifications."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from p2mi_portal.errors import Conflict, DomainError

from .models import Broadcast, DeliveryStatus, Notification, NotificationKind

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
    from programs.models import DocumentKind, PlacementTrack, Program

    context: dict[str, Any] = dict(notification.context)
    for key, value in notification.context.items():
        if key.endswith("_at") and isinstance(value, str):
            context[key] = timezone.localtime(datetime.datetime.fromisoformat(value))
    if "program_id" in context:
        context["program"] = Program.objects.filter(pk=context["program_id"]).first()
    if "track_id" in context:
        context["track"] = PlacementTrack.objects.filter(pk=context["track_id"]).first()
    if context.get("document_kind") in DocumentKind.values:
        context["document_label"] = DocumentKind(context["document_kind"]).label
    if context.get("stage") in Stage.values:
        context["stage_label"] = Stage(context["stage"]).label
    if "broadcast_id" in context:
        broadcast = Broadcast.objects.filter(pk=context["broadcast_id"]).first()
        if broadcast is not None:
            context.update(
                subject=broadcast.subject,
                body=broadcast.body,
                subject_en=broadcast.subject_en,
                body_en=broadcast.body_en,
            )
    if notification.kind == NotificationKind.ACCOUNT_VERIFICATION:
        from accounts.services import verification_link

        context["user"] = notification.recipient
        context["link"] = verification_link(
            user=notification.recipient, site_url=context.get("site_url") or settings.SITE_URL
        )
        context["hours"] = settings.PASSWORD_RESET_TIMEOUT // 3600
    context["LANGUAGE_CODE"] = translation.get_language()
    context["recipient"] = notification.recipient
    context["home_url"] = settings.SITE_URL + reverse("candidates:home")
    context["documents_url"] = settings.SITE_URL + reverse("candidates:documents")
    return context


def notification_render(notification: Notification, *, language: str | None = None) -> tuple[str, str]:
    """Subject and body in ``language``; by default the recipient's (as when it is sent)."""
    with translation.override(language or notification.recipient.language or settings.LANGUAGE_CODE):
        context = _render_context(notification)
        subject = render_to_string(f"notifications/{notification.kind}_subject.txt", context)
        body = render_to_string(f"notifications/{notification.kind}.txt", context)
    return " ".join(subject.split()), body.strip() + "\n"


class DeliveryFailed(Exception):
    """The channel refused or failed; the notification stays pending for a retry."""


# A delivery is tried this many times (the first try and the task's retries) before it is
# marked failed for staff to see.
MAX_ATTEMPTS = 8


def notification_deliver(*, notification_id: int) -> bool:
    """Send a pending notification once; ``False`` when there was nothing (left) to send.

    A failure is recorded on the row; the caller's retry comes back here, and after
    ``MAX_ATTEMPTS`` tries the notification is marked failed with the last error.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .select_related("recipient")
            .filter(pk=notification_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if notification is None:
            return False
        notification.attempts += 1
        notification.attempted_at = timezone.now()
        try:
            # A message that cannot be rendered counts as a failed try, so it ends as failed.
            subject, body = notification_render(notification)
            send_mail(subject, body, None, [notification.recipient.email])
        except Exception as exc:
            failure = f"{type(exc).__name__}: {exc}"[:500]
            notification.last_error = failure
            gave_up = notification.attempts >= MAX_ATTEMPTS
            if gave_up:
                notification.status = DeliveryStatus.FAILED
            notification.save(update_fields=["attempts", "attempted_at", "last_error", "status"])
        else:
            notification.status = DeliveryStatus.SENT
            notification.sent_at = notification.attempted_at
            notification.last_error = ""
            notification.save(update_fields=["status", "sent_at", "attempts", "attempted_at", "last_error"])
            return True
    if gave_up:
        logger.error("notification %s failed after %s attempts: %s", notification_id, MAX_ATTEMPTS, failure)
        return False
    logger.warning("notification %s not delivered: %s", notification_id, failure.split(":")[0])
    raise DeliveryFailed(failure)


def notifications_sweep(*, quiet_for: datetime.timedelta = datetime.timedelta(minutes=5)) -> int:
    """Dispatch again what is still pending and untouched for a while (e.g. after a broker outage)."""
    cutoff = timezone.now() - quiet_for
    stale = list(
        Notification.objects.filter(status=DeliveryStatus.PENDING, created_at__lt=cutoff)
        .filter(models.Q(attempted_at__isnull=True) | models.Q(attempted_at__lt=cutoff))
        .order_by("created_at")
        .values_list("pk", flat=True)[:5000]
    )
    for notification_id in stale:
        notification_dispatch(notification_id=notification_id)
    return len(stale)


@transaction.atomic
def notifications_retry(*, notification_ids: list[int]) -> int:
    """Staff send failed notifications again: back to pending with a fresh count of tries."""
    failed = Notification.objects.select_for_update().filter(
        pk__in=notification_ids, status=DeliveryStatus.FAILED
    )
    ids = list(failed.values_list("pk", flat=True))
    Notification.objects.filter(pk__in=ids).update(status=DeliveryStatus.PENDING, attempts=0, last_error="")
    for notification_id in ids:
        transaction.on_commit(
            lambda notification_id=notification_id: notification_dispatch(notification_id=notification_id)
        )
    return len(ids)


def notifications_mark_read(*, recipient: User, notification_ids: list[int] | None = None) -> int:
    """Mark the recipient's notifications read (all of them, or the ones named)."""
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


# --- Broadcasts --------------------------------------------------------------------

BROADCAST_BATCH = 1000


def broadcast_audience(broadcast: Broadcast):
    """Active accounts with an application to the programme (at the stage, on the track)."""
    from candidates.models import Application
    from candidates.selectors import on_track

    applications = Application.objects.filter(program_id=broadcast.program_id)
    if broadcast.stage:
        applications = applications.filter(stage=broadcast.stage)
    if broadcast.track_id:
        applications = on_track(applications, track_id=broadcast.track_id)
    return User.objects.filter(is_active=True, pk__in=applications.values("candidate__user_id")).order_by(
        "pk"
    )


@transaction.atomic
def broadcast_create(
    *,
    actor: User,
    program,
    subject: str,
    body: str,
    stage: str = "",
    track=None,
    subject_en: str = "",
    body_en: str = "",
) -> Broadcast:
    from candidates.models import Stage

    if not actor.is_ministry_staff:
        raise DomainError(_("Only ministry staff send broadcasts."), code="forbidden")
    errors: dict[str, list[str]] = {}
    if not (subject or "").strip():
        errors["subject"] = [_("Write a subject.")]
    if not (body or "").strip():
        errors["body"] = [_("Write the message.")]
    if stage and stage not in Stage.values:
        errors["stage"] = [_("Choose a stage from the list.")]
    if track is not None and track.program_id != program.pk:
        errors["track"] = [_("Choose one of this programme's placement tracks.")]
    if errors:
        raise DomainError(_("Please correct the marked fields."), code="invalid", fields=errors)
    return Broadcast.objects.create(
        program=program,
        stage=stage or "",
        track=track,
        subject=subject.strip(),
        body=body.strip(),
        subject_en=(subject_en or "").strip(),
        body_en=(body_en or "").strip(),
        created_by=actor,
    )


def broadcast_preview(broadcast: Broadcast, *, language: str) -> tuple[int, str, str]:
    """How many people it reaches, and the message as the first of them will read it."""
    audience = broadcast_audience(broadcast)
    sample = Notification(
        recipient=audience.first() or broadcast.created_by,
        kind=NotificationKind.BROADCAST,
        context={"broadcast_id": broadcast.pk},
    )
    subject, body = notification_render(sample, language=language)
    return audience.count(), subject, body


@transaction.atomic
def broadcast_send(*, broadcast: Broadcast, actor: User) -> Broadcast:
    """Send once: the notifications are written and queued in batches by a worker."""
    if not actor.is_ministry_staff:
        raise DomainError(_("Only ministry staff send broadcasts."), code="forbidden")
    locked = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
    if locked.sent_at is not None:
        raise Conflict(_("This broadcast has already been sent."), code="already_sent")
    locked.sent_at = timezone.now()
    locked.save(update_fields=["sent_at"])
    broadcast.sent_at = locked.sent_at
    transaction.on_commit(lambda: _dispatch_fan_out(locked.pk))
    return locked


def _dispatch_fan_out(broadcast_id: int) -> None:
    from .tasks import broadcast_fan_out_task

    try:
        broadcast_fan_out_task.delay(broadcast_id)
    except Exception:
        logger.warning("broadcast %s: fan-out not dispatched; run it again", broadcast_id, exc_info=True)


def broadcast_fan_out(*, broadcast_id: int, batch_size: int = BROADCAST_BATCH) -> int:
    """Write one notification per recipient, a batch per transaction, and queue each batch.

    Progress is kept on the broadcast with each batch, so running this again (a retry,
    a second worker) carries on where it stopped and never writes a notification twice.
    """
    written = 0
    while True:
        with transaction.atomic():
            broadcast = Broadcast.objects.select_for_update().get(pk=broadcast_id)
            if broadcast.sent_at is None or broadcast.finished_at is not None:
                return written
            recipients = list(
                broadcast_audience(broadcast)
                .filter(pk__gt=broadcast.fanned_out_to)
                .values_list("pk", flat=True)[:batch_size]
            )
            if not recipients:
                broadcast.finished_at = timezone.now()
                broadcast.save(update_fields=["finished_at"])
                return written
            rows = Notification.objects.bulk_create(
                [
                    Notification(
                        recipient_id=user_id,
                        kind=NotificationKind.BROADCAST,
                        context={"broadcast_id": broadcast_id},
                    )
                    for user_id in recipients
                ]
            )
            ids = [row.pk for row in rows]
            broadcast.fanned_out_to = recipients[-1]
            broadcast.recipients += len(recipients)
            broadcast.save(update_fields=["fanned_out_to", "recipients"])
            transaction.on_commit(lambda ids=ids: _dispatch_batch(ids))
        written += len(recipients)


def _dispatch_batch(notification_ids: list[int]) -> None:
    from .tasks import notifications_send_batch

    try:
        notifications_send_batch.delay(notification_ids)
    except Exception:  # the sweep sends them once the broker is back
        logger.warning("a batch of %s notifications stays pending: dispatch failed", len(notification_ids))


def notifications_deliver_batch(*, notification_ids: list[int]) -> int:
    """Deliver a batch; one that fails is handed to its own task with retries."""
    sent = 0
    for notification_id in notification_ids:
        try:
            sent += notification_deliver(notification_id=notification_id)
        except DeliveryFailed:
            notification_dispatch(notification_id=notification_id)
    return sent
