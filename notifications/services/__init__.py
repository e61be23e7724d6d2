"""Every write of the notifications app: the outbox and its deliveries, broadcasts, preferences, reminders."""

from .broadcasts import (
    BROADCAST_BATCH,
    broadcast_audience,
    broadcast_create,
    broadcast_fan_out,
    broadcast_preview,
    broadcast_send,
    broadcast_update,
    broadcasts_resume,
)
from .outbox import (
    MAX_ATTEMPTS,
    RETRY_BACKOFF_MAX,
    DeliveryFailed,
    deliveries_deliver_batch,
    deliveries_dispatch,
    deliveries_retry,
    deliveries_sweep,
    delivery_deliver,
    delivery_dispatch,
    delivery_plan,
    notification_queue,
    notification_render,
    notification_render_short,
    notifications_mark_read,
)
from .preferences import notification_preferences_set
from .reminders import RECRUITMENT_CLOSING_DAYS, recruitment_closing_remind

__all__ = [
    "BROADCAST_BATCH",
    "MAX_ATTEMPTS",
    "RECRUITMENT_CLOSING_DAYS",
    "RETRY_BACKOFF_MAX",
    "DeliveryFailed",
    "broadcast_audience",
    "broadcast_create",
    "broadcast_fan_out",
    "broadcast_preview",
    "broadcast_send",
    "broadcast_update",
    "broadcasts_resume",
    "deliveries_deliver_batch",
    "deliveries_dispatch",
    "deliveries_retry",
    "deliveries_sweep",
    "delivery_deliver",
    "delivery_dispatch",
    "delivery_plan",
    "notification_preferences_set",
    "notification_queue",
    "notification_render",
    "notification_render_short",
    "notifications_mark_read",
    "recruitment_closing_remind",
]
