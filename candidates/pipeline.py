"""The stages of an application and every move allowed between them, in one table.

Each move names the roles that may make it and whether it needs a reason (the shape of
every machine: ``p2mi_portal.transitions``). ``candidates.services.application_move`` is
the only writer of a stage and checks every move against this table. The README draws it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from p2mi_portal.transitions import Actor, Machine, Move

from .models import FINISHED_STAGES, Stage

# Once training starts, a worker leaves only by a decision recorded on the training or
# the placement (failed, discontinued, returned), never by a plain reject or withdraw.
AFTER_SELECTION_STAGES = frozenset({Stage.IN_TRAINING, Stage.PLACED, Stage.RETURNED})
ACTIVE_STAGES = tuple(
    stage for stage in Stage if stage not in FINISHED_STAGES and stage not in AFTER_SELECTION_STAGES
)

# A partner sees an application once the ministry has verified its documents.
PARTNER_VISIBLE_STAGES = frozenset(
    {
        Stage.DOCUMENTS_VERIFIED,
        Stage.SHORTLISTED,
        Stage.INTERVIEW_SCHEDULED,
        Stage.INTERVIEWED,
        Stage.OFFERED,
        Stage.ACCEPTED,
        Stage.WAITLISTED,
        Stage.DECLINED,
        Stage.REJECTED,
        Stage.WITHDRAWN,
        Stage.IN_TRAINING,
        Stage.PLACED,
        Stage.RETURNED,
        Stage.DISCONTINUED,
    }
)

# The name training and placement services give when they move an application.
PLACEMENTS = "placements"

_STAFF = frozenset({Actor.STAFF})
_REVIEWERS = frozenset({Actor.STAFF, Actor.PARTNER})


def _moves() -> list[Move]:
    moves = [
        Move(Stage.SUBMITTED, Stage.SCREENING, _STAFF | {Actor.SYSTEM}),
        Move(Stage.SCREENING, Stage.DOCUMENTS_VERIFIED, _STAFF),
        Move(Stage.SCREENING, Stage.INELIGIBLE, _STAFF | {Actor.SYSTEM}, needs_reason=True),
        Move(Stage.DOCUMENTS_VERIFIED, Stage.SHORTLISTED, _REVIEWERS),
        Move(Stage.SHORTLISTED, Stage.INTERVIEW_SCHEDULED, _REVIEWERS),
        # Rescheduling: the stage stays, the new slot is recorded like any move.
        Move(Stage.INTERVIEW_SCHEDULED, Stage.INTERVIEW_SCHEDULED, _REVIEWERS),
        Move(Stage.INTERVIEW_SCHEDULED, Stage.INTERVIEWED, _REVIEWERS),
        Move(Stage.INTERVIEWED, Stage.OFFERED, _REVIEWERS),
        Move(Stage.INTERVIEWED, Stage.WAITLISTED, _REVIEWERS),
        Move(Stage.WAITLISTED, Stage.OFFERED, _REVIEWERS | {Actor.SYSTEM}),
        Move(Stage.OFFERED, Stage.ACCEPTED, frozenset({Actor.CANDIDATE, Actor.STAFF})),
        Move(Stage.OFFERED, Stage.DECLINED, frozenset({Actor.CANDIDATE, Actor.STAFF, Actor.SYSTEM})),
        # Reopening: staff only, with a reason, back to screening (recorded like any move).
        Move(Stage.REJECTED, Stage.SCREENING, _STAFF, needs_reason=True),
        Move(Stage.INELIGIBLE, Stage.SCREENING, _STAFF, needs_reason=True),
        # Training and placement: the stage follows the enrolment and placement records.
        Move(Stage.ACCEPTED, Stage.IN_TRAINING, _REVIEWERS | {Actor.SYSTEM}, through=PLACEMENTS),
        Move(Stage.ACCEPTED, Stage.PLACED, _STAFF, through=PLACEMENTS),
        Move(Stage.IN_TRAINING, Stage.PLACED, _STAFF, through=PLACEMENTS),
        Move(Stage.IN_TRAINING, Stage.DISCONTINUED, _REVIEWERS, needs_reason=True, through=PLACEMENTS),
        Move(Stage.PLACED, Stage.DISCONTINUED, _REVIEWERS, needs_reason=True, through=PLACEMENTS),
        Move(Stage.PLACED, Stage.RETURNED, _REVIEWERS, needs_reason=True, through=PLACEMENTS),
    ]
    for stage in ACTIVE_STAGES:
        rejecters = _REVIEWERS if stage in PARTNER_VISIBLE_STAGES else _STAFF
        moves.append(Move(stage, Stage.REJECTED, rejecters, needs_reason=True))
        moves.append(Move(stage, Stage.WITHDRAWN, frozenset({Actor.CANDIDATE})))
    return moves


STAGE_MACHINE = Machine(
    _moves(),
    states=Stage,
    refusal=_("This application is at “%(current)s” and cannot move to “%(target)s”. Allowed: %(allowed)s."),
    code="move_not_allowed",
)
MOVES: dict[tuple[str, str], Move] = STAGE_MACHINE.moves

# The usual next step, for "advance" in bulk. Stages that need details only a
# person can give (an interview slot) are left out and must be moved one by one.
NEXT_STAGE: dict[str, Stage] = {
    Stage.SUBMITTED: Stage.SCREENING,
    Stage.SCREENING: Stage.DOCUMENTS_VERIFIED,
    Stage.DOCUMENTS_VERIFIED: Stage.SHORTLISTED,
    Stage.INTERVIEW_SCHEDULED: Stage.INTERVIEWED,
    Stage.INTERVIEWED: Stage.OFFERED,
    Stage.WAITLISTED: Stage.OFFERED,
}


allowed_targets = STAGE_MACHINE.allowed_targets
