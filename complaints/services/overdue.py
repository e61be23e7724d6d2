"""Reminding staff of open complaints past their due time."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role, User
from notifications.models import NotificationKind
from notifications.services import notification_queue

from ..models import (
    OPEN_STATUSES,
    Complaint,
)
from .common import (
    OVERDUE_REMINDER_EVERY,
)

logger = logging.getLogger(__name__)

# --- Overdue reminders -----------------------------------------------------------------


def overdue_fallback_recipients() -> list[User]:
    """Who hears of an overdue complaint nobody (active) is assigned to: whoever can assign it."""
    permission = Permission.objects.filter(
        content_type__app_label="complaints", codename="change_complaint"
    ).first()
    holders = Q(is_superuser=True)
    if permission is not None:
        holders |= Q(groups__permissions=permission) | Q(user_permissions=permission)
    return list(
        User.objects.filter(holders, is_active=True, is_staff=True, role=Role.STAFF).distinct().order_by("pk")
    )


def complaints_overdue_remind(*, now: datetime.datetime | None = None) -> int:
    """Remind staff of open complaints past their due time; how many complaints were reminded of.

    At most once every ``OVERDUE_REMINDER_EVERY`` per complaint; the rows are locked and
    marked in the transaction that writes the messages, so a second run at once, or again
    later, sends nothing new.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Complaint.objects.select_for_update(skip_locked=True)
            .filter(status__in=OPEN_STATUSES, due_at__lt=now)
            .filter(
                Q(overdue_notified_at__isnull=True) | Q(overdue_notified_at__lte=now - OVERDUE_REMINDER_EVERY)
            )
            .order_by("due_at", "pk")
        )
        if not due:
            return 0
        assignees = {
            user.pk: user
            for user in User.objects.filter(pk__in={c.assignee_id for c in due if c.assignee_id})
            if user.is_ministry_staff
        }
        fallback: list[User] | None = None
        by_recipient: dict[int, list[Complaint]] = defaultdict(list)
        recipients: dict[int, User] = {}
        for complaint in due:
            assignee = assignees.get(complaint.assignee_id)
            if assignee is not None:
                targets = [assignee]
            else:
                if fallback is None:
                    fallback = overdue_fallback_recipients()
                targets = fallback
            for user in targets:
                recipients[user.pk] = user
                by_recipient[user.pk].append(complaint)
        reminded = {complaint.pk for complaints in by_recipient.values() for complaint in complaints}
        if not reminded:
            logger.warning("%s overdue complaints and nobody to remind", len(due))
            return 0
        Complaint.objects.filter(pk__in=reminded).update(overdue_notified_at=now)
        for user_pk, complaints in by_recipient.items():
            notification_queue(
                recipient=recipients[user_pk],
                kind=NotificationKind.COMPLAINT_OVERDUE,
                context={
                    "overdue_complaints": [
                        {
                            "id": complaint.pk,
                            "category": complaint.category,
                            "priority": complaint.priority,
                            "due_at": complaint.due_at.isoformat(),
                        }
                        for complaint in complaints
                    ]
                },
            )
    return len(reminded)
