"""The statuses of a programme and every move allowed between them, in one table.

``programs.services.program_change_status`` is the only writer of a programme's status: it
locks the programme, checks the move here and publishes only a consistent programme.
Ministry staff (or a system job) make every move. Closing is allowed at any point (a
programme can be cancelled); everything else moves forward one step, except that a
published programme can go back to draft and closed recruitment can be reopened. The
README draws it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from p2mi_portal.transitions import Actor, Machine, Move

from .models import ProgramStatus

_STAFF_OR_JOB = frozenset({Actor.STAFF, Actor.SYSTEM})

# Each status's moves in the order a refusal lists them.
PROGRAM_MACHINE = Machine(
    [
        Move(ProgramStatus.DRAFT, ProgramStatus.CLOSED, _STAFF_OR_JOB),
        Move(ProgramStatus.DRAFT, ProgramStatus.PUBLISHED, _STAFF_OR_JOB),
        Move(ProgramStatus.PUBLISHED, ProgramStatus.CLOSED, _STAFF_OR_JOB),
        Move(ProgramStatus.PUBLISHED, ProgramStatus.DRAFT, _STAFF_OR_JOB),
        Move(ProgramStatus.PUBLISHED, ProgramStatus.RECRUITMENT_CLOSED, _STAFF_OR_JOB),
        Move(ProgramStatus.RECRUITMENT_CLOSED, ProgramStatus.CLOSED, _STAFF_OR_JOB),
        Move(ProgramStatus.RECRUITMENT_CLOSED, ProgramStatus.PUBLISHED, _STAFF_OR_JOB),
        Move(ProgramStatus.RECRUITMENT_CLOSED, ProgramStatus.SELECTION, _STAFF_OR_JOB),
        Move(ProgramStatus.SELECTION, ProgramStatus.CLOSED, _STAFF_OR_JOB),
        Move(ProgramStatus.SELECTION, ProgramStatus.TRAINING, _STAFF_OR_JOB),
        Move(ProgramStatus.TRAINING, ProgramStatus.CLOSED, _STAFF_OR_JOB),
        Move(ProgramStatus.TRAINING, ProgramStatus.DEPLOYED, _STAFF_OR_JOB),
        Move(ProgramStatus.DEPLOYED, ProgramStatus.CLOSED, _STAFF_OR_JOB),
    ],
    states=ProgramStatus,
    refusal=_("Programme %(code)s is %(current)s and cannot become %(target)s. Allowed: %(allowed)s."),
    code="status_move_forbidden",
)
