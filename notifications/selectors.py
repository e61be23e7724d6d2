"""Reads of notifications, each scoped to the person they were written for."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User

from .models import Notification


def notifications_of(recipient: User) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=recipient)
        .select_related("recipient")
        .order_by("-created_at", "-id")
    )


def unread_count(recipient: User) -> int:
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).count()
