"""Every pair of stages × every role: allowed moves succeed, every other one is refused.

The expectation comes from the declared table (``candidates.pipeline.MOVES``); the
set-up builds an application at the source stage with what that stage implies
(a reserved or taken seat, an interview), so the seat counters are checked too.
"""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone

from candidates import services
from candidates.models import SEAT_TAKEN_STAGES, Application, Stage
from candidates.pipeline import MOVES, PARTNER_VISIBLE_STAGES
from p2mi_portal.errors import Conflict, DomainError, NotFound
from p2mi_portal.transitions import ROLES, Actor
from programs.models import PlacementTrack
from tests.candidates.factories import application_at

CASES = list(itertools.product(Stage.values, Stage.values, ROLES))


def _actor(role, application, staff, partner_user):
    return {
        Actor.STAFF: staff,
        Actor.PARTNER: partner_user,
        Actor.CANDIDATE: application.candidate.user,
        Actor.SYSTEM: None,
    }[role]


def _seats_match_applications(program) -> None:
    for track in PlacementTrack.objects.filter(program=program):
        held = Application.objects.filter(track=track)
        assert track.seats_reserved == held.filter(stage=Stage.OFFERED).count()
        assert track.seats_taken == held.filter(stage__in=SEAT_TAKEN_STAGES).count()


@pytest.mark.parametrize(("source", "target", "role"), CASES, ids=["-".join(case) for case in CASES])
def test_move(source, target, role, program, staff, partner_user):
    application = application_at(source, program=program)
    actor = _actor(role, application, staff, partner_user)
    events_before = application.events.count()
    move = MOVES.get((source, target))
    allowed = move is not None and role in move.roles
    # Moves into training and placement follow their records; by hand they are refused.
    needs_record = allowed and bool(move.through)
    slot = services.InterviewSlot(
        starts_at=timezone.now() + datetime.timedelta(days=5),
        place="Kantor KP2MI, Jakarta",
        interviewer="Ibu Sari",
    )

    def attempt():
        return services.application_move(
            application=application,
            to_stage=target,
            actor=actor,
            reason="Alasan uji",
            interview=slot if target == Stage.INTERVIEW_SCHEDULED else None,
        )

    if needs_record:
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.code == "move_needs_record"
        application.refresh_from_db()
        assert application.stage == source
        assert application.events.count() == events_before
    elif allowed:
        attempt()
        application.refresh_from_db()
        assert application.stage == target
        event = application.events.order_by("-id").first()
        assert (event.from_stage, event.to_stage, event.actor) == (source, target, actor)
        assert application.events.count() == events_before + 1
    else:
        partner_cannot_see = role == Actor.PARTNER and source not in PARTNER_VISIBLE_STAGES
        with pytest.raises(NotFound if partner_cannot_see else Conflict) as refused:
            attempt()
        assert isinstance(refused.value, DomainError)
        application.refresh_from_db()
        assert application.stage == source
        assert application.events.count() == events_before
    _seats_match_applications(program)


def test_the_table_covers_every_stage():
    sources = {source for source, _target in MOVES}
    targets = {target for _source, target in MOVES}
    # Every stage can be reached, and the finished ones lead nowhere.
    assert targets | {Stage.SUBMITTED} == set(Stage.values)
    assert {Stage.DECLINED, Stage.WITHDRAWN, Stage.DISCONTINUED}.isdisjoint(sources)
    # Not eligible and rejected lead only back to screening: reopened by staff, with a reason.
    for finished in (Stage.INELIGIBLE, Stage.REJECTED):
        assert [target for source, target in MOVES if source == finished] == [Stage.SCREENING]
        reopen = MOVES[(finished, Stage.SCREENING)]
        assert (set(reopen.roles), reopen.needs_reason) == ({Actor.STAFF}, True)
