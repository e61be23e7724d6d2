# Kept whole: one path, from queueing a notification to delivering it and trying again.
"""Queueing notifications and delivering them, one delivery per channel."""

from __future__ import annotations

import contextvars
import datetime
import hashlib
import hmac
import logging
import re
import reprlib
import threading
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from kombu.exceptions import OperationalError as KombuOperationalError

from .. import selectors
from ..channels import text_send
from ..models import (
    ACCOUNT_KINDS,
    PHONE_CHANNELS,
    Broadcast,
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
)
from ..registry import render_context_extend

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

# Within one batch of deliveries, a broadcast's text is read once, not once per recipient;
# a sent broadcast can no longer be edited, so the batch never sees it change.
_batch_broadcasts: contextvars.ContextVar[dict[int, Broadcast | None] | None] = contextvars.ContextVar(
    "batch_broadcasts", default=None
)


def delivery_plan(*, kind: str, chosen: Iterable[str], phone: str) -> list[tuple[str, str]]:
    """The deliveries a notification gets: ``(channel, status)`` for each chosen channel.

    Account verification confirms the e-mail address, so it goes by e-mail whatever was
    chosen. A phone channel without a phone number is recorded as skipped, not failed.
    """
    if kind in ACCOUNT_KINDS:
        # Their links confirm the address or set the password: e-mail only.
        return [(Channel.EMAIL, DeliveryStatus.PENDING)]
    return [
        (
            channel,
            DeliveryStatus.SKIPPED if channel in PHONE_CHANNELS and not phone else DeliveryStatus.PENDING,
        )
        for channel in chosen
    ]


@transaction.atomic
def notification_queue(*, recipient: User, kind: str, context: Mapping[str, Any]) -> Notification:
    """Write the notification and its deliveries now; hand them to workers once the transaction commits."""
    notification = Notification.objects.create(recipient=recipient, kind=kind, context=dict(context))
    chosen = selectors.notification_preference_of(recipient).chosen()
    deliveries = Delivery.objects.bulk_create(
        Delivery(notification=notification, channel=channel, status=status)
        for channel, status in delivery_plan(kind=kind, chosen=chosen, phone=recipient.phone)
    )
    pending = [delivery.pk for delivery in deliveries if delivery.status == DeliveryStatus.PENDING]
    transaction.on_commit(lambda: deliveries_dispatch(delivery_ids=pending))
    return notification


# --- Dispatching -------------------------------------------------------------------
#
# A broker that is down or hung costs each publish up to CELERY_BROKER_CONNECTION_TIMEOUT
# (twice at most). So that a request queueing many messages does not pay that for each,
# a failed publish pauses every dispatch of this process for NOTIFICATION_BROKER_PAUSE
# seconds; what is not dispatched stays pending and the sweep sends it.

_broker_lock = threading.Lock()
_broker_paused_until = 0.0  # a _clock() value; 0: not paused
_clock = time.monotonic


def broker_paused() -> bool:
    """Whether this process is holding back dispatches after a failed publish."""
    return _clock() < _broker_paused_until


def broker_pause_reset() -> None:
    """Forget a pause (the broker is known to be back)."""
    global _broker_paused_until
    with _broker_lock:
        _broker_paused_until = 0.0


def _broker_failed(exc: BaseException) -> None:
    global _broker_paused_until
    pause = settings.NOTIFICATION_BROKER_PAUSE
    with _broker_lock:
        if _clock() < _broker_paused_until:
            return  # another thread saw the same outage and has warned
        _broker_paused_until = _clock() + pause
    # The exception's class only: broker URLs may carry a password, and no message data is logged.
    logger.warning(
        "broker unreachable (%s): dispatches paused for %ss; pending deliveries wait for the sweep",
        type(exc).__name__,
        pause,
    )


def task_publish(task, *args: Any) -> bool:
    """Queue ``task(*args)`` unless the broker is paused; ``False`` when it was not done.

    A broker error pauses further dispatches of this process; the caller's rows stay
    pending for the sweep. Nothing here raises: the request that caused it must succeed.
    Where tasks run in-process (no broker) the task runs here, and its failure is logged
    and reported as ``False`` like a task that could not be queued.
    """
    if task.app.conf.task_always_eager:  # no broker: the task runs here and now
        try:
            task.delay(*args)
        except Exception:
            # Tasks take ids, never personal data; reprlib keeps a batch's list short.
            logger.warning("task %s%s failed in-process", task.name, reprlib.repr(args), exc_info=True)
            return False
        return True
    if broker_paused():
        return False
    try:
        task.delay(*args)
    except (KombuOperationalError, OSError) as exc:  # the broker refused, timed out or hung up
        _broker_failed(exc)
        return False
    return True


def delivery_dispatch(*, delivery_id: int) -> None:
    """Ask a worker to deliver. A broker outage must not fail the request that caused it."""
    from ..tasks import delivery_send

    task_publish(delivery_send, delivery_id)  # if not done, the delivery stays pending for the sweep


def deliveries_dispatch(*, delivery_ids: Iterable[int]) -> None:
    for delivery_id in delivery_ids:
        delivery_dispatch(delivery_id=delivery_id)


# --- Rendering ---------------------------------------------------------------------


def _render_context(notification: Notification) -> dict[str, Any]:
    """The stored context with its ids and codes turned into what the templates show.

    Dates and times are read back here; what the ids and codes of each kind mean is told
    by the app that wrote them (``notifications.registry``, registered from its ``ready()``).
    """
    context: dict[str, Any] = dict(notification.context)
    for key, value in notification.context.items():
        if key.endswith("_at") and isinstance(value, str):
            context[key] = timezone.localtime(datetime.datetime.fromisoformat(value))
        elif key.endswith("_on") and isinstance(value, str) and value:
            context[key] = datetime.date.fromisoformat(value)
    if "broadcast_id" in context:
        broadcast = _broadcast(context["broadcast_id"])
        if broadcast is not None:
            context.update(
                subject=broadcast.subject,
                body=broadcast.body,
                subject_en=broadcast.subject_en,
                body_en=broadcast.body_en,
            )
    render_context_extend(notification, context)
    context["LANGUAGE_CODE"] = translation.get_language()
    context["recipient"] = notification.recipient
    context["home_url"] = settings.SITE_URL + reverse("candidates:home")
    context["documents_url"] = settings.SITE_URL + reverse("candidates:documents")
    context["inbox_url"] = settings.SITE_URL + reverse("notifications:inbox")
    return context


def _broadcast(broadcast_id: int) -> Broadcast | None:
    cache = _batch_broadcasts.get()
    if cache is None:
        return Broadcast.objects.filter(pk=broadcast_id).first()
    if broadcast_id not in cache:
        cache[broadcast_id] = Broadcast.objects.filter(pk=broadcast_id, sent_at__isnull=False).first()
    return cache[broadcast_id]


def _language(notification: Notification, language: str | None) -> str:
    return language or notification.recipient.language or settings.LANGUAGE_CODE


def notification_render(notification: Notification, *, language: str | None = None) -> tuple[str, str]:
    """Subject and body (e-mail, inbox) in ``language``; by default the recipient's (as when it is sent)."""
    with translation.override(_language(notification, language)):
        context = _render_context(notification)
        subject = render_to_string(f"notifications/{notification.kind}_subject.txt", context)
        body = render_to_string(f"notifications/{notification.kind}.txt", context)
    return " ".join(subject.split()), body.strip() + "\n"


def notification_render_short(notification: Notification, *, language: str | None = None) -> str:
    """The short text for SMS and WhatsApp: the essential facts and a link, no blank lines."""
    with translation.override(_language(notification, language)):
        text = render_to_string(f"notifications/{notification.kind}_short.txt", _render_context(notification))
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


# --- Delivering --------------------------------------------------------------------


class DeliveryFailed(Exception):
    """The channel refused or failed; the delivery stays pending for a retry."""


# A delivery is tried this many times (the first try and the task's retries) before it is
# marked failed for staff to see.
MAX_ATTEMPTS = 8
# The longest wait between two tries, in seconds (delivery_send's retry_backoff_max).
RETRY_BACKOFF_MAX = 3600

# Providers' error texts may quote the address they refused; staff and logs see neither.
_EMAIL_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+")
_PHONE_NUMBER = re.compile(r"\+?\d(?:[\s-]?\d){7,}")


def _scrubbed(text: str, address: str) -> str:
    text = text.replace(address, "[recipient]")
    return _PHONE_NUMBER.sub("[number]", _EMAIL_ADDRESS.sub("[e-mail]", text))


def delivery_key(delivery_id: int) -> str:
    """The name of one delivery for the provider: the same on every try, unguessable, per deployment.

    A worker can die after the provider took a message and before the row saying so is
    committed; the retry then sends the same key, and a provider that honours it answers
    with the message it already has instead of sending a second one. The signature keeps
    two deployments that share a provider account (staging and production) apart.
    """
    signature = hmac.new(
        settings.SECRET_KEY.encode(), f"delivery:{delivery_id}".encode(), hashlib.sha256
    ).hexdigest()
    return f"p2mi-delivery-{delivery_id}-{signature[:16]}"


def _message_id_domain() -> str:
    # The site's name, not the worker's host: a retry on another worker keeps the Message-ID.
    return urlsplit(settings.SITE_URL).hostname or DNS_NAME


def _send(delivery: Delivery, address: str) -> str:
    """Render and send on the delivery's channel; the provider's message id."""
    notification = delivery.notification
    key = delivery_key(delivery.pk)
    if delivery.channel == Channel.EMAIL:
        subject, body = notification_render(notification)
        # SMTP has no idempotency key: a message sent again after a crash carries the same
        # Message-ID, by which mail servers and clients recognise and drop the copy.
        message_id = f"<{key}@{_message_id_domain()}>"
        EmailMessage(subject, body, None, [address], headers={"Message-ID": message_id}).send()
        return message_id
    return text_send(
        channel=delivery.channel, to=address, text=notification_render_short(notification), key=key
    )


def delivery_deliver(*, delivery_id: int) -> bool:
    """Send a pending delivery once; ``False`` when there was nothing (left) to send.

    The row is locked while it is sent, and a delivery someone else is sending is left to
    them, so running this twice sends once. A failure is recorded on the row; the caller's
    retry comes back here, and after ``MAX_ATTEMPTS`` tries it is marked failed with the
    last error.
    """
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification__recipient")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None:
            return False
        recipient = delivery.notification.recipient
        address = recipient.email if delivery.channel == Channel.EMAIL else recipient.phone
        if not address:  # e.g. the number was erased on request after the message was written
            delivery.status = DeliveryStatus.SKIPPED
            delivery.save(update_fields=["status"])
            logger.info("delivery %s (%s) skipped: no address", delivery_id, delivery.channel)
            return False
        delivery.attempts += 1
        delivery.attempted_at = timezone.now()
        try:
            # Rendering is inside: a message that cannot be rendered counts as a failed try.
            provider_message_id = _send(delivery, address)
        except Exception as exc:
            failure = _scrubbed(f"{type(exc).__name__}: {exc}", address)[:500]
            delivery.last_error = failure
            gave_up = delivery.attempts >= MAX_ATTEMPTS
            if gave_up:
                delivery.status = DeliveryStatus.FAILED
            delivery.save(update_fields=["attempts", "attempted_at", "last_error", "status"])
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = delivery.attempted_at
            delivery.last_error = ""
            delivery.provider_message_id = (provider_message_id or "")[:200]
            delivery.save(
                update_fields=[
                    "status",
                    "sent_at",
                    "attempts",
                    "attempted_at",
                    "last_error",
                    "provider_message_id",
                ]
            )
            return True
    if gave_up:
        logger.error(
            "delivery %s (%s) failed after %s attempts: %s",
            delivery_id,
            delivery.channel,
            MAX_ATTEMPTS,
            failure,
        )
        return False
    logger.warning("delivery %s (%s) not sent: %s", delivery_id, delivery.channel, failure.split(":")[0])
    raise DeliveryFailed(failure)


def deliveries_deliver_batch(*, delivery_ids: list[int]) -> int:
    """Deliver a batch; one that fails is handed to its own task with retries."""
    sent = 0
    token = _batch_broadcasts.set({})
    try:
        for delivery_id in delivery_ids:
            try:
                sent += delivery_deliver(delivery_id=delivery_id)
            except DeliveryFailed:
                delivery_dispatch(delivery_id=delivery_id)
    finally:
        _batch_broadcasts.reset(token)
    return sent


def retry_wait_longest(attempts: int) -> datetime.timedelta:
    """The longest a delivery's own task waits before trying again after ``attempts`` failed tries.

    The same schedule as ``delivery_send``'s retries (Celery's exponential backoff: the
    factor doubled per retry, capped, then a random part of it as jitter).
    """
    seconds = settings.NOTIFICATION_RETRY_BACKOFF * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, RETRY_BACKOFF_MAX))


def deliveries_sweep(*, quiet_for: datetime.timedelta = datetime.timedelta(minutes=5)) -> int:
    """Dispatch again what is still pending and untouched for a while (e.g. after a broker outage).

    A delivery that failed a try has its retry scheduled by its own task; the sweep waits for
    that retry's latest time as well, so it stands in only for a retry that was lost and never
    shortens the backoff a failing provider is given.
    """
    now = timezone.now()
    quiet = models.Q(attempted_at__isnull=True, created_at__lt=now - quiet_for)
    for attempts in range(1, MAX_ATTEMPTS):
        quiet |= models.Q(attempts=attempts, attempted_at__lt=now - quiet_for - retry_wait_longest(attempts))
    stale = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING)
        .filter(quiet)
        .order_by("created_at")
        .values_list("pk", flat=True)[:5000]
    )
    deliveries_dispatch(delivery_ids=stale)
    return len(stale)


@transaction.atomic
def deliveries_retry(*, delivery_ids: list[int]) -> int:
    """Staff send failed deliveries again: back to pending with a fresh count of tries."""
    ids = list(
        Delivery.objects.select_for_update()
        .filter(pk__in=delivery_ids, status=DeliveryStatus.FAILED)
        .values_list("pk", flat=True)
    )
    Delivery.objects.filter(pk__in=ids).update(status=DeliveryStatus.PENDING, attempts=0, last_error="")
    transaction.on_commit(lambda: deliveries_dispatch(delivery_ids=ids))
    return len(ids)


def notifications_mark_read(*, recipient: User, notification_ids: list[int] | None = None) -> int:
    """Mark the recipient's notifications read (all of them, or the ones named)."""
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())
