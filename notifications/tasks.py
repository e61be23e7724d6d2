"""Celery tasks for notifications: they take ids and call the services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from .services import (
    MAX_ATTEMPTS,
    DeliveryFailed,
    broadcast_fan_out,
    notification_deliver,
    notifications_deliver_batch,
    notifications_sweep,
)


@shared_task(
    autoretry_for=(DeliveryFailed,),
    retry_backoff=settings.NOTIFICATION_RETRY_BACKOFF,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=MAX_ATTEMPTS - 1,
)
def notification_send(notification_id: int) -> bool:
    return notification_deliver(notification_id=notification_id)


@shared_task
def notifications_resend_pending() -> int:
    return notifications_sweep()


@shared_task
def broadcast_fan_out_task(broadcast_id: int) -> int:
    return broadcast_fan_out(broadcast_id=broadcast_id)


@shared_task
def notifications_send_batch(notification_ids: list[int]) -> int:
    return notifications_deliver_batch(notification_ids=notification_ids)
