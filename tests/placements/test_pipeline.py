"""The stages after acceptance follow the training and placement records.

Moves into "in training", "placed", "returned" and "discontinued" are made only by the
placements services (``through=PLACEMENTS``); by hand they are refused. The seat a worker
took on accepting stays counted through training, the contract and return, and is freed
when the worker is discontinued.
"""

from __future__ import annotations

import pytest

from candidates import services as candidate_services
from candidates.models import Application, ApplicationEvent, Stage
from candidates.pipeline import MOVES, PLACEMENTS, allowed_targets
from p2mi_portal.errors import Conflict
from p2mi_portal.transitions import Actor
from placements import services
from placements.models import PlacementStatus
from programs.models import PlacementTrack
from tests.candidates.factories import application_at

from .conftest import confirm_all, contract_ended, make_passable, move, phases_of, place, start

AFTER_ACCEPTANCE = [
    (Stage.ACCEPTED, Stage.IN_TRAINING),
    (Stage.ACCEPTED, Stage.PLACED),
    (Stage.IN_TRAINING, Stage.PLACED),
    (Stage.IN_TRAINING, Stage.DISCONTINUED),
    (Stage.PLACED, Stage.DISCONTINUED),
    (Stage.PLACED, Stage.RETURNED),
]


def test_every_move_after_acceptance_names_the_placements_services():
    follow_records = {pair for pair, move_ in MOVES.items() if move_.through == PLACEMENTS}
    assert follow_records == set(AFTER_ACCEPTANCE)
    for pair in AFTER_ACCEPTANCE:
        assert Actor.CANDIDATE not in MOVES[pair].roles
    # Nothing is offered as a manual move out of these stages.
    for stage in (Stage.IN_TRAINING, Stage.PLACED, Stage.RETURNED):
        assert allowed_targets(stage, Actor.STAFF) == []
    assert allowed_targets(Stage.IN_TRAINING, Actor.STAFF, through=PLACEMENTS) == [
        Stage.PLACED,
        Stage.DISCONTINUED,
    ]


@pytest.mark.parametrize(
    ("source", "target"), AFTER_ACCEPTANCE, ids=[f"{s}-{t}" for s, t in AFTER_ACCEPTANCE]
)
def test_a_manual_move_that_follows_a_record_is_refused(program, staff, source, target):
    application = application_at(source, program=program)
    track = PlacementTrack.objects.get(pk=application.track_id)
    with pytest.raises(Conflict) as caught:
        candidate_services.application_move(
            application=application, to_stage=target, actor=staff, reason="Dipindah manual"
        )
    error = caught.value
    assert error.code == "move_needs_record"
    assert error.message == (
        f"“{Stage(target).label}” follows the training and placement records; "
        "record the training or the placement instead."
    )
    application.refresh_from_db()
    assert application.stage == source
    assert not ApplicationEvent.objects.filter(application=application).exists()
    track.refresh_from_db()
    assert track.seats_taken == 1


def test_the_employer_cannot_move_into_training_by_hand_either(program, partner_user):
    application = application_at(Stage.ACCEPTED, program=program)
    with pytest.raises(Conflict) as caught:
        candidate_services.application_move(
            application=application, to_stage=Stage.IN_TRAINING, actor=partner_user
        )
    assert caught.value.code == "move_needs_record"


@pytest.mark.parametrize("stage", [Stage.IN_TRAINING, Stage.PLACED, Stage.RETURNED])
@pytest.mark.parametrize("target", [Stage.REJECTED, Stage.WITHDRAWN])
def test_a_worker_in_training_or_later_is_never_rejected_or_withdrawn(program, staff, stage, target):
    application = application_at(stage, program=program)
    actor = application.candidate.user if target == Stage.WITHDRAWN else staff
    with pytest.raises(Conflict) as caught:
        candidate_services.application_move(application=application, to_stage=target, actor=actor, reason="x")
    assert caught.value.code == "move_not_allowed"
    assert Application.objects.get(pk=application.pk).stage == stage


def test_the_seat_stays_taken_from_acceptance_to_return(worker, staff):
    track = PlacementTrack.objects.get(pk=worker.track_id)

    def taken() -> tuple[str, int, int]:
        track.refresh_from_db()
        worker.refresh_from_db()
        return worker.stage, track.seats_taken, track.seats_reserved

    assert taken() == (Stage.ACCEPTED, 1, 0)
    start(phases_of(worker)[0], staff)
    assert taken() == (Stage.IN_TRAINING, 1, 0)
    language, technical = phases_of(worker)
    services.enrolment_choose_field(enrolment=technical, field="machinery", actor=staff)
    make_passable(language, staff)
    services.enrolment_pass(enrolment=language, actor=staff)
    make_passable(technical, staff)
    services.enrolment_pass(enrolment=technical, actor=staff)
    assert taken() == (Stage.IN_TRAINING, 1, 0)
    placement = place(worker, staff)
    assert taken() == (Stage.PLACED, 1, 0)
    confirm_all(placement, staff)
    move(placement, PlacementStatus.PRE_DEPARTURE, staff, days_ago=80)
    move(placement, PlacementStatus.DEPARTED, staff, days_ago=70)
    move(placement, PlacementStatus.WORKING, staff, days_ago=60)
    assert taken() == (Stage.PLACED, 1, 0)
    contract_ended(placement, days_ago=0)
    move(placement, PlacementStatus.COMPLETED, staff, days_ago=0)
    assert taken() == (Stage.RETURNED, 1, 0)


def test_discontinued_in_training_frees_the_seat(worker, staff):
    track = PlacementTrack.objects.get(pk=worker.track_id)
    language, _technical = phases_of(worker)
    start(language, staff)
    services.enrolment_end_early(enrolment=language, actor=staff, status="failed", reason="Tidak lulus")
    track.refresh_from_db()
    assert track.seats_taken == 0


def test_an_early_end_before_departure_discontinues_and_frees_the_seat(placement, staff):
    track = PlacementTrack.objects.get(pk=placement.track_id)
    assert track.seats_taken == 1
    move(placement, PlacementStatus.TERMINATED, staff, days_ago=0, reason="Visa ditolak")
    application = Application.objects.get(pk=placement.application_id)
    assert application.stage == Stage.DISCONTINUED
    track.refresh_from_db()
    assert track.seats_taken == 0


def test_a_return_keeps_the_seat_counted(working, staff):
    track = PlacementTrack.objects.get(pk=working.track_id)
    move(working, PlacementStatus.REPATRIATED, staff, days_ago=0, reason="Sakit berat")
    application = Application.objects.get(pk=working.application_id)
    assert application.stage == Stage.RETURNED
    track.refresh_from_db()
    assert track.seats_taken == 1


def test_every_stage_move_is_recorded_with_the_actor(returned, staff):
    moves = list(
        ApplicationEvent.objects.filter(application_id=returned.application_id)
        .order_by("id")
        .values_list("from_stage", "to_stage")
    )
    assert moves[-4:] == [
        (Stage.OFFERED, Stage.ACCEPTED),
        (Stage.ACCEPTED, Stage.IN_TRAINING),
        (Stage.IN_TRAINING, Stage.PLACED),
        (Stage.PLACED, Stage.RETURNED),
    ]
    placed = ApplicationEvent.objects.get(application_id=returned.application_id, to_stage=Stage.PLACED)
    assert (placed.actor, placed.data) == (staff, {"placement": returned.pk})
    back = ApplicationEvent.objects.get(application_id=returned.application_id, to_stage=Stage.RETURNED)
    assert back.reason == "Contract completed."
    assert back.data == {"placement": returned.pk, "status": "completed"}
