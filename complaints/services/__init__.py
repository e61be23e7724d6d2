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

from ..models import DUE_WITHIN
from .common import (
    DEFAULT_PRIORITY,
    OVERDUE_REMINDER_EVERY,
    TEXT_MAX_LENGTH,
    can_triage,
    due_at_for,
    staff_name,
)
from .filing import complaint_file
from .overdue import complaints_overdue_remind, overdue_fallback_recipients
from .replies import complaint_reply
from .triage import complaint_assign, complaint_note_add, complaint_priority_set, complaint_status_change

__all__ = [
    "DEFAULT_PRIORITY",
    "DUE_WITHIN",
    "OVERDUE_REMINDER_EVERY",
    "TEXT_MAX_LENGTH",
    "can_triage",
    "complaint_assign",
    "complaint_file",
    "complaint_note_add",
    "complaint_priority_set",
    "complaint_reply",
    "complaint_status_change",
    "complaints_overdue_remind",
    "due_at_for",
    "overdue_fallback_recipients",
    "staff_name",
]
