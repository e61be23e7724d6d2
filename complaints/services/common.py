"""What the writes to complaints share: limits, due times, who may triage, the timeline entry."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.models import NotificationKind
from notifications.services import notification_queue
from p2mi_portal.errors import Conflict, Forbidden, invalid

from ..models import (
    DUE_WITHIN,
    Complaint,
    ComplaintCategory,
    ComplaintEntry,
    ComplaintPriority,
)

TEXT_MAX_LENGTH = 5000

# The priority a new complaint starts with: violence and health cannot wait a week; staff
# change it during triage.
DEFAULT_PRIORITY = {
    ComplaintCategory.ABUSE: ComplaintPriority.URGENT,
    ComplaintCategory.HEALTH: ComplaintPriority.HIGH,
}

# How often, at most, staff are reminded of the same overdue complaint.
OVERDUE_REMINDER_EVERY = datetime.timedelta(hours=24)


def due_at_for(*, created_at: datetime.datetime, priority: str) -> datetime.datetime:
    """When a complaint of ``priority`` filed at ``created_at`` must be resolved."""
    return created_at + DUE_WITHIN[ComplaintPriority(priority)]


# --- Helpers ---------------------------------------------------------------------------


def clean_text(text: object, *, field: str, required_message: str | None) -> str:
    """Stripped text within the length limit; required unless ``required_message`` is None."""
    text = text.strip() if isinstance(text, str) else ""
    if not text and required_message is not None:
        raise invalid(field, required_message, code="required")
    if "\x00" in text:
        raise invalid(field, _("Null characters are not allowed."))
    if len(text) > TEXT_MAX_LENGTH:
        raise invalid(
            field,
            _("Write at most %(limit)d characters (this text has %(length)d).")
            % {"limit": TEXT_MAX_LENGTH, "length": len(text)},
            code="too_long",
        )
    return text


def can_triage(user: User | None) -> bool:
    """Active ministry staff with the permission to change complaints."""
    return bool(user and user.is_ministry_staff and user.has_perm("complaints.change_complaint"))


def require_triage(actor: User | None) -> None:
    if not can_triage(actor):
        raise Forbidden(_("Only ministry staff handling complaints can do this."))


def locked_complaint(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def require_open(complaint: Complaint) -> None:
    if not complaint.is_open:
        raise Conflict(
            _("Complaint #%(id)s is “%(status)s”. Reopen it first.")
            % {"id": complaint.pk, "status": complaint.get_status_display()},
            code="complaint_finished",
        )


def entry_write(complaint: Complaint, *, kind: str, actor: User | None, **fields) -> ComplaintEntry:
    return ComplaintEntry.objects.create(
        complaint=complaint, kind=kind, actor=actor, created_at=timezone.now(), **fields
    )


def notify_worker(complaint: Complaint, context: dict) -> None:
    notification_queue(
        recipient=complaint.candidate.user,
        kind=NotificationKind.COMPLAINT_UPDATE,
        context={"complaint_id": complaint.pk, "category": complaint.category, **context},
    )


def touch(complaint: Complaint, *fields: str) -> None:
    complaint.updated_at = timezone.now()
    complaint.save(update_fields=[*fields, "updated_at"])


def staff_name(user: User | None) -> str:
    return (user.full_name or user.email)[:200] if user else ""
