"""The staff triage: assigning, the priority, the status and notes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from p2mi_portal.errors import invalid
from p2mi_portal.transitions import Actor

from ..models import (
    OPEN_STATUSES,
    Complaint,
    ComplaintEntry,
    ComplaintEntryKind,
    ComplaintPriority,
    ComplaintStatus,
)
from ..pipeline import COMPLAINT_MACHINE
from .common import (
    clean_text,
    due_at_for,
    entry_write,
    locked_complaint,
    notify_worker,
    require_open,
    require_triage,
    staff_name,
    touch,
)

# --- Staff triage ----------------------------------------------------------------------


@transaction.atomic
def complaint_assign(*, complaint: Complaint, assignee: User | None, actor: User) -> Complaint:
    """Give the complaint to a staff member (or to nobody); internal, the worker is not told."""
    require_triage(actor)
    locked = locked_complaint(complaint)
    require_open(locked)
    if assignee is not None and not assignee.is_ministry_staff:
        raise invalid("assignee", _("Assign the complaint to an active ministry staff member."))
    if (assignee.pk if assignee else None) == locked.assignee_id:
        if assignee is None:
            raise invalid("assignee", _("The complaint is not assigned to anyone."), code="unchanged")
        raise invalid(
            "assignee",
            _("The complaint is already assigned to %(name)s.") % {"name": staff_name(assignee)},
            code="unchanged",
        )
    previous = locked.assignee
    locked.assignee = assignee
    # The new assignee hears of an overdue complaint at the next reminder run.
    locked.overdue_notified_at = None
    touch(locked, "assignee", "overdue_notified_at")
    entry_write(
        locked,
        kind=ComplaintEntryKind.ASSIGNED,
        actor=actor,
        from_value=staff_name(previous),
        to_value=staff_name(assignee),
    )
    return locked


@transaction.atomic
def complaint_priority_set(*, complaint: Complaint, priority: str, actor: User) -> Complaint:
    """Change the priority; the due time is counted again from when the complaint was filed."""
    require_triage(actor)
    if priority not in ComplaintPriority.values:
        raise invalid("priority", _("Choose one of the listed priorities."))
    locked = locked_complaint(complaint)
    require_open(locked)
    if locked.priority == priority:
        raise invalid(
            "priority",
            _("The priority is already “%(priority)s”.") % {"priority": ComplaintPriority(priority).label},
            code="unchanged",
        )
    previous = locked.priority
    locked.priority = priority
    locked.due_at = due_at_for(created_at=locked.created_at, priority=priority)
    touch(locked, "priority", "due_at")
    entry_write(locked, kind=ComplaintEntryKind.PRIORITY, actor=actor, from_value=previous, to_value=priority)
    return locked


def status_set(locked: Complaint, *, to_status: str, actor: User, role: str, reason: str) -> ComplaintEntry:
    """Move a locked complaint along ``COMPLAINT_MACHINE``; the worker sees the move."""
    move = COMPLAINT_MACHINE.move(locked.status, to_status, role)
    if move is None:
        raise COMPLAINT_MACHINE.refusal(
            locked.status, to_status, role, id=locked.pk, status=locked.get_status_display()
        )
    if move.needs_reason and not reason:
        raise invalid(
            "reason",
            _("Give the reason for “%(target)s”: the worker sees it.")
            % {"target": ComplaintStatus(to_status).label},
            code="reason_required",
        )
    previous = locked.status
    now = timezone.now()
    locked.status = to_status
    if to_status in OPEN_STATUSES:
        locked.resolved_at = None
    elif locked.resolved_at is None:
        locked.resolved_at = now
    touch(locked, "status", "resolved_at")
    return entry_write(
        locked,
        kind=ComplaintEntryKind.STATUS,
        actor=actor,
        from_value=previous,
        to_value=to_status,
        text=reason,
        visible_to_worker=True,
    )


@transaction.atomic
def complaint_status_change(
    *, complaint: Complaint, to_status: str, actor: User, reason: str = ""
) -> Complaint:
    """Staff move the complaint to another status (``COMPLAINT_MACHINE``); the worker is told."""
    require_triage(actor)
    if to_status not in ComplaintStatus.values:
        raise invalid("to_status", _("Choose one of the listed statuses."))
    reason = clean_text(reason, field="reason", required_message=None)
    locked = locked_complaint(complaint)
    status_set(locked, to_status=to_status, actor=actor, role=Actor.STAFF, reason=reason)
    context = {"complaint_status": to_status}
    if reason:
        context["reason"] = reason
    notify_worker(locked, context)
    return locked


@transaction.atomic
def complaint_note_add(
    *, complaint: Complaint, text: str, visible_to_worker: bool, actor: User
) -> ComplaintEntry:
    """A staff note, for staff only or also for the worker (who is then told)."""
    require_triage(actor)
    text = clean_text(text, field="text", required_message=_("Write the note."))
    locked = locked_complaint(complaint)
    entry = entry_write(
        locked,
        kind=ComplaintEntryKind.NOTE,
        actor=actor,
        text=text,
        visible_to_worker=bool(visible_to_worker),
    )
    touch(locked)
    if entry.visible_to_worker:
        notify_worker(locked, {"note": text})
    return entry
