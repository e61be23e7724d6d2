"""Celery tasks for notifications: they take ids and call the services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from .services import (
    MAX_ATTEMPTS,
    RETRY_BACKOFF_MAX,
    DeliveryFailed,
    broadcast_fan_out,
    broadcasts_resume,
    deliveries_deliver_batch,
    deliveries_sweep,
    delivery_deliver,
)


@shared_task(
    autoretry_for=(DeliveryFailed,),
    retry_backoff=settings.NOTIFICATION_RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_ATTEMPTS - 1,
)
def delivery_send(delivery_id: int) -> bool:
    return delivery_deliver(delivery_id=delivery_id)


@shared_task
def notifications_resend_pending() -> int:
    """The sweep: broadcasts whose fan-out stopped half-way, then deliveries left pending."""
    broadcasts_resume()
    return deliveries_sweep()


@shared_task
def broadcast_fan_out_task(broadcast_id: int) -> int:
    return broadcast_fan_out(broadcast_id=broadcast_id)


@shared_task
def deliveries_send_batch(delivery_ids: list[int]) -> int:
    return deliveries_deliver_batch(delivery_ids=delivery_ids)
