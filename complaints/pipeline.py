"""The statuses of a complaint and every move allowed between them, in one table.

``complaints.services`` is the only writer of a complaint's status: it locks the complaint,
checks the move here and records a ``ComplaintEntry`` the worker sees. Staff move a
complaint; the worker moves it only by replying while the ministry waits for them
(``complaint_reply``). Closed is final; a resolved complaint can be reopened (with a
reason) or closed. A reason is shown to the worker (and sent to them). The README draws it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from p2mi_portal.transitions import Actor, Machine, Move

from .models import ComplaintStatus

_STAFF = frozenset({Actor.STAFF})

COMPLAINT_MACHINE = Machine(
    [
        Move(ComplaintStatus.NEW, ComplaintStatus.IN_PROGRESS, _STAFF),
        Move(ComplaintStatus.NEW, ComplaintStatus.WAITING_FOR_WORKER, _STAFF, needs_reason=True),
        Move(ComplaintStatus.NEW, ComplaintStatus.RESOLVED, _STAFF, needs_reason=True),
        Move(ComplaintStatus.NEW, ComplaintStatus.CLOSED, _STAFF, needs_reason=True),
        Move(ComplaintStatus.IN_PROGRESS, ComplaintStatus.WAITING_FOR_WORKER, _STAFF, needs_reason=True),
        Move(ComplaintStatus.IN_PROGRESS, ComplaintStatus.RESOLVED, _STAFF, needs_reason=True),
        Move(ComplaintStatus.IN_PROGRESS, ComplaintStatus.CLOSED, _STAFF, needs_reason=True),
        Move(ComplaintStatus.WAITING_FOR_WORKER, ComplaintStatus.IN_PROGRESS, _STAFF | {Actor.CANDIDATE}),
        Move(ComplaintStatus.WAITING_FOR_WORKER, ComplaintStatus.RESOLVED, _STAFF, needs_reason=True),
        Move(ComplaintStatus.WAITING_FOR_WORKER, ComplaintStatus.CLOSED, _STAFF, needs_reason=True),
        Move(ComplaintStatus.RESOLVED, ComplaintStatus.IN_PROGRESS, _STAFF, needs_reason=True),
        Move(ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED, _STAFF),
    ],
    states=ComplaintStatus,
    refusal=_("Complaint #%(id)s is “%(status)s” and cannot move to “%(target)s”. Allowed: %(allowed)s."),
    code="status_not_allowed",
    nothing_allowed="—",
)
