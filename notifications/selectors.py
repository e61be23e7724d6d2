"""Reads of notifications, each scoped to the person they were written for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from .models import HIDDEN_FROM_INBOX, Notification, NotificationPreference

if TYPE_CHECKING:
    from accounts.models import User


def notifications_of(recipient: User) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=recipient)
        .exclude(kind__in=HIDDEN_FROM_INBOX)
        .select_related("recipient")
        .order_by("-created_at", "-id")
    )


def unread_count(recipient: User) -> int:
    return (
        Notification.objects.filter(recipient=recipient, read_at__isnull=True)
        .exclude(kind__in=HIDDEN_FROM_INBOX)
        .count()
    )


def notification_preference_of(user: User) -> NotificationPreference:
    """The person's channels; the defaults (unsaved) when they never chose."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)
