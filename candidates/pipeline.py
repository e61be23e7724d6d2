"""The stages of an application and every move allowed between them, in one table.

Each move names the roles that may make it and whether it needs a reason.
``candidates.services.application_move`` is the only writer of a stage and checks
every move against this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import FINISHED_STAGES, Stage


class Actor:
    STAFF = "staff"
    PARTNER = "partner"
    CANDIDATE = "candidate"
    SYSTEM = "system"


@dataclass(frozen=True)
class Move:
    source: Stage
    target: Stage
    roles: frozenset[str]
    needs_reason: bool = False


ACTIVE_STAGES = tuple(stage for stage in Stage if stage not in FINISHED_STAGES)
_STAFF = frozenset({Actor.STAFF})
_REVIEWERS = frozenset({Actor.STAFF, Actor.PARTNER})


def _moves() -> list[Move]:
    moves = [
        Move(Stage.SUBMITTED, Stage.SCREENING, _STAFF | {Actor.SYSTEM}),
        Move(Stage.SCREENING, Stage.DOCUMENTS_VERIFIED, _STAFF),
        Move(Stage.SCREENING, Stage.INELIGIBLE, _STAFF | {Actor.SYSTEM}, needs_reason=True),
        Move(Stage.DOCUMENTS_VERIFIED, Stage.SHORTLISTED, _REVIEWERS),
        Move(Stage.SHORTLISTED, Stage.INTERVIEW_SCHEDULED, _REVIEWERS),
        Move(Stage.INTERVIEW_SCHEDULED, Stage.INTERVIEWED, _REVIEWERS),
        Move(Stage.INTERVIEWED, Stage.OFFERED, _REVIEWERS),
        Move(Stage.INTERVIEWED, Stage.WAITLISTED, _REVIEWERS),
        Move(Stage.WAITLISTED, Stage.OFFERED, _REVIEWERS | {Actor.SYSTEM}),
        Move(Stage.OFFERED, Stage.ACCEPTED, frozenset({Actor.CANDIDATE, Actor.STAFF})),
        Move(Stage.OFFERED, Stage.DECLINED, frozenset({Actor.CANDIDATE, Actor.STAFF, Actor.SYSTEM})),
        Move(Stage.REJECTED, Stage.SCREENING, _STAFF, needs_reason=True),
    ]
    for stage in ACTIVE_STAGES:
        moves.append(Move(stage, Stage.REJECTED, _REVIEWERS, needs_reason=True))
        moves.append(Move(stage, Stage.WITHDRAWN, frozenset({Actor.CANDIDATE})))
    return moves


MOVES: dict[tuple[str, str], Move] = {(move.source, move.target): move for move in _moves()}


def allowed_targets(source: str, role: str) -> list[Stage]:
    return [move.target for move in MOVES.values() if move.source == source and role in move.roles]
