"""The worker's reply to their complaint, and telling its assignee."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from notifications.models import NotificationKind
from notifications.services import notification_queue
from p2mi_portal.errors import Conflict, Forbidden
from p2mi_portal.transitions import Actor

from ..models import (
    Complaint,
    ComplaintEntry,
    ComplaintEntryKind,
    ComplaintStatus,
)
from .common import (
    clean_text,
    entry_write,
    locked_complaint,
    touch,
)
from .triage import status_set

# --- The worker's reply ----------------------------------------------------------------


@transaction.atomic
def complaint_reply(*, complaint: Complaint, text: str, actor: User) -> ComplaintEntry:
    """The worker answers on their complaint; while the ministry waits for them, it goes back to work."""
    locked = locked_complaint(complaint)
    if actor is None or actor.role != Role.CANDIDATE or locked.candidate.user_id != actor.pk:
        raise Forbidden(_("Only the person who filed the complaint can reply to it."))
    text = clean_text(text, field="text", required_message=_("Write your reply."))
    if not locked.is_open:
        raise Conflict(
            _(
                "This complaint is “%(status)s”, so it takes no more replies. "
                "If the problem continues, file a new complaint."
            )
            % {"status": locked.get_status_display()},
            code="complaint_finished",
        )
    entry = entry_write(
        locked, kind=ComplaintEntryKind.WORKER_REPLY, actor=actor, text=text, visible_to_worker=True
    )
    if locked.status == ComplaintStatus.WAITING_FOR_WORKER:
        status_set(
            locked, to_status=ComplaintStatus.IN_PROGRESS, actor=actor, role=Actor.CANDIDATE, reason=""
        )
    else:
        touch(locked)
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
