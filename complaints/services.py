"""Every write to complaints: filing, the staff triage, the worker's replies, overdue reminders.

Filing writes the complaint and its first :class:`ComplaintEntry`; every later change locks the
complaint, checks the change, writes one entry (who, when, from, to, text, whether the worker
sees it) and queues the notifications in the same transaction.

Who is told what:

- The worker gets a ``complaint_update`` for every change they see in their timeline and did
  not make themselves: a status change (with its reason) and a note staff mark visible.
  Hidden notes, assignments and priority changes are the ministry's internal triage and are
  neither shown to the worker nor notified.
- ``complaints_overdue_remind`` (hourly, ``CELERY_BEAT_SCHEDULE``) tells staff about open
  complaints whose due time has passed, at most once every 24 hours per complaint
  (``overdue_notified_at``), so running it twice, or every hour, reminds once. Each recipient
  gets one ``complaint_overdue`` message per run listing their complaints. An assigned
  complaint goes to its assignee; an unassigned one (or one whose assignee is no longer
  active ministry staff) goes to every active ministry staff member with the permission to
  change complaints — the people who can assign it — because an overdue complaint nobody owns
  is exactly the one that must not wait. Assigning a complaint to someone else clears
  ``overdue_notified_at``, so the new assignee hears about it at the next run.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from candidates.models import Application, CandidateProfile
from candidates.services.documents import uploaded_file_type
from notifications.models import NotificationKind
from notifications.services import notification_queue
from p2mi_portal.errors import Conflict, Forbidden, invalid
from p2mi_portal.transitions import Actor

from .models import (
    DUE_WITHIN,
    OPEN_STATUSES,
    Complaint,
    ComplaintCategory,
    ComplaintEntry,
    ComplaintEntryKind,
    ComplaintPriority,
    ComplaintStatus,
)
from .pipeline import COMPLAINT_MACHINE

logger = logging.getLogger(__name__)

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


def _clean_text(text: object, *, field: str, required_message: str | None) -> str:
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


def _require_triage(actor: User | None) -> None:
    if not can_triage(actor):
        raise Forbidden(_("Only ministry staff handling complaints can do this."))


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _require_open(complaint: Complaint) -> None:
    if not complaint.is_open:
        raise Conflict(
            _("Complaint #%(id)s is “%(status)s”. Reopen it first.")
            % {"id": complaint.pk, "status": complaint.get_status_display()},
            code="complaint_finished",
        )


def _entry(complaint: Complaint, *, kind: str, actor: User | None, **fields) -> ComplaintEntry:
    return ComplaintEntry.objects.create(
        complaint=complaint, kind=kind, actor=actor, created_at=timezone.now(), **fields
    )


def _notify_worker(complaint: Complaint, context: dict) -> None:
    notification_queue(
        recipient=complaint.candidate.user,
        kind=NotificationKind.COMPLAINT_UPDATE,
        context={"complaint_id": complaint.pk, "category": complaint.category, **context},
    )


def _touch(complaint: Complaint, *fields: str) -> None:
    complaint.updated_at = timezone.now()
    complaint.save(update_fields=[*fields, "updated_at"])


def staff_name(user: User | None) -> str:
    return (user.full_name or user.email)[:200] if user else ""


# --- Filing ----------------------------------------------------------------------------


@transaction.atomic
def complaint_file(
    *,
    candidate: CandidateProfile,
    category: str,
    description: str,
    application: Application | None = None,
    attachment: UploadedFile | None = None,
) -> Complaint:
    """A candidate's or worker's complaint, optionally about one of their own applications."""
    if candidate.anonymised_at is not None:
        raise Forbidden(_("This account has been erased."))
    if category not in ComplaintCategory.values:
        raise invalid("category", _("Choose one of the listed categories."))
    description = _clean_text(description, field="description", required_message=_("Describe what happened."))
    if application is not None and application.candidate_id != candidate.pk:
        raise invalid("application", _("Choose one of your own applications, or none."))
    content_type = uploaded_file_type(attachment) if attachment else ""
    now = timezone.now()
    priority = DEFAULT_PRIORITY.get(category, ComplaintPriority.NORMAL)
    complaint = Complaint(
        candidate=candidate,
        application=application,
        program_id=application.program_id if application else None,
        category=category,
        description=description,
        priority=priority,
        status=ComplaintStatus.NEW,
        due_at=due_at_for(created_at=now, priority=priority),
        created_at=now,
        updated_at=now,
    )
    stored = ""
    if attachment:
        complaint.attachment.save("attachment", attachment, save=False)
        stored = complaint.attachment.name
        complaint.attachment_name = (attachment.name or "")[:200]
        complaint.attachment_type = content_type
    try:
        with transaction.atomic():
            complaint.save()
            _entry(
                complaint,
                kind=ComplaintEntryKind.FILED,
                actor=candidate.user,
                to_value=ComplaintStatus.NEW,
                visible_to_worker=True,
            )
    except Exception:
        # Nothing half-saved: a file without its complaint is removed at once.
        if stored:
            complaint.attachment.storage.delete(stored)
        raise
    # Only the number: a complaint's category or text may reveal health or abuse.
    logger.info("complaint %s filed", complaint.pk)
    return complaint


# --- Staff triage ----------------------------------------------------------------------


@transaction.atomic
def complaint_assign(*, complaint: Complaint, assignee: User | None, actor: User) -> Complaint:
    """Give the complaint to a staff member (or to nobody); internal, the worker is not told."""
    _require_triage(actor)
    locked = _locked(complaint)
    _require_open(locked)
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
    _touch(locked, "assignee", "overdue_notified_at")
    _entry(
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
    _require_triage(actor)
    if priority not in ComplaintPriority.values:
        raise invalid("priority", _("Choose one of the listed priorities."))
    locked = _locked(complaint)
    _require_open(locked)
    if locked.priority == priority:
        raise invalid(
            "priority",
            _("The priority is already “%(priority)s”.") % {"priority": ComplaintPriority(priority).label},
            code="unchanged",
        )
    previous = locked.priority
    locked.priority = priority
    locked.due_at = due_at_for(created_at=locked.created_at, priority=priority)
    _touch(locked, "priority", "due_at")
    _entry(locked, kind=ComplaintEntryKind.PRIORITY, actor=actor, from_value=previous, to_value=priority)
    return locked


def _status_set(locked: Complaint, *, to_status: str, actor: User, role: str, reason: str) -> ComplaintEntry:
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
    _touch(locked, "status", "resolved_at")
    return _entry(
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
    _require_triage(actor)
    if to_status not in ComplaintStatus.values:
        raise invalid("to_status", _("Choose one of the listed statuses."))
    reason = _clean_text(reason, field="reason", required_message=None)
    locked = _locked(complaint)
    _status_set(locked, to_status=to_status, actor=actor, role=Actor.STAFF, reason=reason)
    context = {"complaint_status": to_status}
    if reason:
        context["reason"] = reason
    _notify_worker(locked, context)
    return locked


@transaction.atomic
def complaint_note_add(
    *, complaint: Complaint, text: str, visible_to_worker: bool, actor: User
) -> ComplaintEntry:
    """A staff note, for staff only or also for the worker (who is then told)."""
    _require_triage(actor)
    text = _clean_text(text, field="text", required_message=_("Write the note."))
    locked = _locked(complaint)
    entry = _entry(
        locked,
        kind=ComplaintEntryKind.NOTE,
        actor=actor,
        text=text,
        visible_to_worker=bool(visible_to_worker),
    )
    _touch(locked)
    if entry.visible_to_worker:
        _notify_worker(locked, {"note": text})
    return entry


# --- The worker's reply ----------------------------------------------------------------


@transaction.atomic
def complaint_reply(*, complaint: Complaint, text: str, actor: User) -> ComplaintEntry:
    """The worker answers on their complaint; while the ministry waits for them, it goes back to work."""
    locked = _locked(complaint)
    if actor is None or actor.role != Role.CANDIDATE or locked.candidate.user_id != actor.pk:
        raise Forbidden(_("Only the person who filed the complaint can reply to it."))
    text = _clean_text(text, field="text", required_message=_("Write your reply."))
    if not locked.is_open:
        raise Conflict(
            _(
                "This complaint is “%(status)s”, so it takes no more replies. "
                "If the problem continues, file a new complaint."
            )
            % {"status": locked.get_status_display()},
            code="complaint_finished",
        )
    entry = _entry(
        locked, kind=ComplaintEntryKind.WORKER_REPLY, actor=actor, text=text, visible_to_worker=True
    )
    if locked.status == ComplaintStatus.WAITING_FOR_WORKER:
        _status_set(
            locked, to_status=ComplaintStatus.IN_PROGRESS, actor=actor, role=Actor.CANDIDATE, reason=""
        )
    else:
        _touch(locked)
    _notify_assignee_of_reply(locked)
    return entry


def _notify_assignee_of_reply(complaint: Complaint) -> None:
    # Only the assignee: an unassigned complaint waits in the triage list, where the reply
    # shows as its latest activity, rather than reaching everyone who may triage.
    assignee = complaint.assignee
    if assignee is None or not assignee.is_ministry_staff:
        return
    notification_queue(
        recipient=assignee,
        kind=NotificationKind.COMPLAINT_REPLY,
        context={
            "complaint_id": complaint.pk,
            "category": complaint.category,
            "complaint_status": complaint.status,
        },
    )


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
