"""Staff broadcasts: one message to everyone in a programme, written and queued in batches."""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from p2mi_portal.errors import Conflict, DomainError
from p2mi_portal.guards import require_ministry_staff

from ..models import (
    DEFAULT_CHANNELS,
    Broadcast,
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
)
from ..registry import broadcast_audience_registered
from .outbox import delivery_plan, notification_render, task_publish

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User

logger = logging.getLogger(__name__)

BROADCAST_BATCH = 1000
# A fan-out writes a batch every few seconds; unfinished and quiet this long, it was interrupted.
BROADCAST_STALLED_AFTER = datetime.timedelta(minutes=5)


def broadcast_audience(broadcast: Broadcast, *, after_user_id: int = 0) -> QuerySet:
    """The active accounts the broadcast reaches, by ascending id, past ``after_user_id``.

    Who that is belongs to the app that owns applications (``candidates.selectors``),
    registered in ``notifications.registry``.
    """
    return broadcast_audience_registered().members(broadcast, after_user_id=after_user_id)


def _checked_message(
    *, program, subject: str, body: str, stage: str, track, subject_en: str, body_en: str
) -> dict[str, object]:
    """The broadcast's audience and message as they are stored, or the fields to correct."""
    errors: dict[str, list[str]] = {}
    if not (subject or "").strip():
        errors["subject"] = [_("Write a subject.")]
    if not (body or "").strip():
        errors["body"] = [_("Write the message.")]
    if stage and stage not in dict(broadcast_audience_registered().stages()):
        errors["stage"] = [_("Choose a stage from the list.")]
    # Compared by id: notifications sit below programs (ADR 0007), and the admin's form
    # offers only the programme's tracks through the audience the candidates app registers.
    if track is not None and track.program_id != program.pk:
        errors["track"] = [_("Choose one of this programme's placement tracks.")]
    if errors:
        raise DomainError(_("Please correct the marked fields."), code="invalid", fields=errors)
    return {
        "program": program,
        "stage": stage or "",
        "track": track,
        "subject": subject.strip(),
        "body": body.strip(),
        "subject_en": (subject_en or "").strip(),
        "body_en": (body_en or "").strip(),
    }


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
    require_ministry_staff(actor, _("Only ministry staff send broadcasts."))
    message = _checked_message(
        program=program,
        subject=subject,
        body=body,
        stage=stage,
        track=track,
        subject_en=subject_en,
        body_en=body_en,
    )
    return Broadcast.objects.create(**message, created_by=actor)


@transaction.atomic
def broadcast_update(
    *,
    broadcast: Broadcast,
    actor: User,
    program,
    subject: str,
    body: str,
    stage: str = "",
    track=None,
    subject_en: str = "",
    body_en: str = "",
) -> Broadcast:
    """Change the audience or the message while the broadcast is unsent; never the sending state."""
    require_ministry_staff(actor, _("Only ministry staff send broadcasts."))
    message = _checked_message(
        program=program,
        subject=subject,
        body=body,
        stage=stage,
        track=track,
        subject_en=subject_en,
        body_en=body_en,
    )
    locked = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
    if locked.sent_at is not None:
        raise Conflict(_("This broadcast has already been sent."), code="already_sent")
    for name, value in message.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(message))
    return locked


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
    require_ministry_staff(actor, _("Only ministry staff send broadcasts."))
    locked = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
    if locked.sent_at is not None:
        raise Conflict(_("This broadcast has already been sent."), code="already_sent")
    locked.sent_at = locked.progressed_at = timezone.now()
    locked.save(update_fields=["sent_at", "progressed_at"])
    broadcast.sent_at = locked.sent_at
    transaction.on_commit(lambda: _dispatch_fan_out(locked.pk))
    return locked


def _dispatch_fan_out(broadcast_id: int) -> None:
    from ..tasks import broadcast_fan_out_task

    if not task_publish(broadcast_fan_out_task, broadcast_id):
        logger.warning("broadcast %s: fan-out not dispatched or stopped; the sweep resumes it", broadcast_id)


def broadcasts_resume(*, stalled_for: datetime.timedelta = BROADCAST_STALLED_AFTER) -> int:
    """Queue again the fan-out of every sent broadcast that stopped half-way (e.g. its worker was killed).

    A fan-out writes a batch every few seconds; one that is unfinished and has made no
    progress for ``stalled_for`` was interrupted or never dispatched. Queueing it again is
    safe even if it is still running: the fan-out is idempotent.
    """
    cutoff = timezone.now() - stalled_for
    stalled = list(
        Broadcast.objects.filter(sent_at__isnull=False, finished_at__isnull=True)
        .filter(models.Q(progressed_at__isnull=True) | models.Q(progressed_at__lt=cutoff))
        .order_by("sent_at")
        .values_list("pk", flat=True)
    )
    for broadcast_id in stalled:
        logger.info("broadcast %s: fan-out made no progress for %s; queued again", broadcast_id, stalled_for)
        _dispatch_fan_out(broadcast_id)
    return len(stalled)


def _chosen(email: bool | None, sms: bool | None, whatsapp: bool | None) -> list[str]:
    """The channels of a preference row read through a join; ``None`` everywhere: no row, the defaults."""
    if email is None and sms is None and whatsapp is None:
        return [channel for channel, on in DEFAULT_CHANNELS.items() if on]
    return [
        channel
        for channel, on in ((Channel.EMAIL, email), (Channel.SMS, sms), (Channel.WHATSAPP, whatsapp))
        if on
    ]


def broadcast_fan_out(*, broadcast_id: int, batch_size: int = BROADCAST_BATCH) -> int:
    """Write one notification per recipient and its deliveries, a batch per transaction, and queue each batch.

    Progress is kept on the broadcast with each batch, so running this again (a retry,
    a second worker, the sweep resuming a stalled fan-out) carries on where it stopped and
    never writes a notification twice: each batch locks the broadcast and starts past
    ``fanned_out_to`` as committed by the batch before it.
    """
    written = 0
    while True:
        with transaction.atomic():
            broadcast = Broadcast.objects.select_for_update().get(pk=broadcast_id)
            if broadcast.sent_at is None or broadcast.finished_at is not None:
                return written
            # Each recipient's phone and channels come with the batch: one query, not one per person.
            recipients = list(
                broadcast_audience(broadcast, after_user_id=broadcast.fanned_out_to).values_list(
                    "pk",
                    "phone",
                    "notification_preference__email",
                    "notification_preference__sms",
                    "notification_preference__whatsapp",
                )[:batch_size]
            )
            if not recipients:
                broadcast.finished_at = broadcast.progressed_at = timezone.now()
                broadcast.save(update_fields=["finished_at", "progressed_at"])
                return written
            # The time is given rather than left to the database default: rows of plain values
            # are inserted by PostgreSQL's UNNEST, several times faster than a VALUES list.
            now = timezone.now()
            notifications = Notification.objects.bulk_create(
                [
                    Notification(
                        recipient_id=user_id,
                        kind=NotificationKind.BROADCAST,
                        context={"broadcast_id": broadcast_id},
                        created_at=now,
                    )
                    for user_id, *_rest in recipients
                ]
            )
            deliveries = Delivery.objects.bulk_create(
                [
                    Delivery(notification_id=notification.pk, channel=channel, status=status, created_at=now)
                    for notification, (_user_id, phone, *chosen) in zip(
                        notifications, recipients, strict=True
                    )
                    for channel, status in delivery_plan(
                        kind=NotificationKind.BROADCAST, chosen=_chosen(*chosen), phone=phone
                    )
                ]
            )
            pending = [delivery.pk for delivery in deliveries if delivery.status == DeliveryStatus.PENDING]
            broadcast.fanned_out_to = recipients[-1][0]
            broadcast.recipients += len(recipients)
            broadcast.progressed_at = timezone.now()
            broadcast.save(update_fields=["fanned_out_to", "recipients", "progressed_at"])
            transaction.on_commit(lambda pending=pending: _dispatch_batch(pending))
        written += len(recipients)


def _dispatch_batch(delivery_ids: list[int]) -> None:
    from ..tasks import deliveries_send_batch

    if delivery_ids and not task_publish(deliveries_send_batch, delivery_ids):
        # Not queued (the broker), or failed in-process: the sweep sends them later.
        logger.warning("a batch of %s deliveries stays pending", len(delivery_ids))
