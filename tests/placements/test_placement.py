"""Placements: creating the contract, the pre-departure checklist, status moves, grades and pay."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from candidates.models import Application, Stage
from notifications.models import Notification, NotificationKind
from p2mi_portal.errors import Conflict, DomainError, NotFound
from placements import services
from placements.models import (
    ChecklistItem,
    ChecklistItemKind,
    GradeChange,
    Placement,
    PlacementEvent,
    PlacementStatus,
)
from placements.pipeline import PLACEMENT_MACHINE
from placements.selectors import placement_pay
from programs.models import Currency, ExchangeRate, GradeLevel, PartnerKind, ProgramStatus
from tests.candidates.factories import CandidateFactory
from tests.programs.factories import PartnerFactory, ProgramFactory

from .conftest import DAY, accept, confirm_all, contract_ended, move, phases_of, place, start

ALL_ITEMS = [kind.value for kind in ChecklistItemKind]


def refused(exc_type, call, **kwargs) -> DomainError:
    with pytest.raises(exc_type) as caught:
        call(**kwargs)
    return caught.value


def day(value: datetime.date) -> str:
    return date_format(value, "DATE_FORMAT")


def ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


# --- Creating the placement -------------------------------------------------------------


def test_a_trained_worker_is_placed_on_the_track_of_their_seat(trained, staff, program):
    starts = ago(60)
    placement = services.placement_create(
        application=trained,
        actor=staff,
        site="  Krasnoyarsk  ",
        position=" Juru las ",
        contract_starts=starts,
    )
    placement.refresh_from_db()
    assert (placement.site, placement.position) == ("Krasnoyarsk", "Juru las")
    assert (placement.track_id, placement.employer) == (trained.track_id, program.employer)
    assert (placement.contract_starts, placement.contract_ends) == (starts, services.add_months(starts, 60))
    assert (placement.status, placement.grade, placement.departed_on, placement.returned_on) == (
        PlacementStatus.PLANNED,
        None,
        None,
        None,
    )
    assert [item.item for item in placement.checklist.order_by("id")] == ALL_ITEMS
    assert all(item.is_open for item in placement.checklist.all())
    event = PlacementEvent.objects.get(placement=placement)
    assert (event.from_status, event.to_status, event.on_date, event.actor) == (
        "",
        PlacementStatus.PLANNED,
        timezone.localdate(),
        staff,
    )
    trained.refresh_from_db()
    assert trained.stage == Stage.PLACED


def test_the_contract_end_and_employer_can_be_given(trained, staff):
    agency = PartnerFactory(name="PT Penyalur", kind=PartnerKind.EMPLOYER)
    placement = place(trained, staff, contract_ends=ago(60) + datetime.timedelta(days=700), employer=agency)
    assert (placement.contract_ends, placement.employer) == (ago(60) + datetime.timedelta(days=700), agency)


def test_a_programme_without_training_places_an_accepted_worker(staff):
    bare = ProgramFactory(status=ProgramStatus.TRAINING)
    application = accept(bare)
    placement = place(application, staff)
    application.refresh_from_db()
    assert (application.stage, placement.contract_ends) == (Stage.PLACED, services.add_months(ago(60), 24))


def test_placement_before_training_is_complete_names_the_open_phases(worker, staff):
    error = refused(
        Conflict,
        services.placement_create,
        application=worker,
        actor=staff,
        site="Krasnoyarsk",
        position="Juru las",
        contract_starts=ago(0),
    )
    assert error.code == "training_not_complete"
    assert error.message == (
        "Training is not complete; these phases are not passed: 1. Russian language, 2. Technical training."
    )
    language, _technical = phases_of(worker)
    start(language, staff)
    worker.refresh_from_db()
    error = refused(
        Conflict,
        services.placement_create,
        application=worker,
        actor=staff,
        site="Krasnoyarsk",
        position="Juru las",
        contract_starts=ago(0),
    )
    assert error.code == "training_not_complete"
    assert not Placement.objects.exists()
    assert Application.objects.get(pk=worker.pk).stage == Stage.IN_TRAINING


@pytest.mark.parametrize("stage", [Stage.OFFERED, Stage.DISCONTINUED, Stage.PLACED, Stage.RETURNED])
def test_only_an_accepted_or_training_worker_can_be_placed(program, staff, stage):
    from tests.candidates.factories import application_at

    application = application_at(stage, program=program)
    error = refused(
        Conflict,
        services.placement_create,
        application=application,
        actor=staff,
        site="Krasnoyarsk",
        position="Juru las",
        contract_starts=ago(0),
    )
    assert error.code == "not_ready_for_placement"
    assert error.message == (
        "Only a worker who accepted a seat and completed training can be placed; "
        f"this application is at “{Stage(stage).label}”."
    )


def test_a_worker_is_placed_once(placement, staff):
    application = Application.objects.get(pk=placement.application_id)
    error = refused(
        Conflict,
        services.placement_create,
        application=application,
        actor=staff,
        site="Novosibirsk",
        position="Juru las",
        contract_starts=ago(0),
    )
    assert error.code == "not_ready_for_placement"
    assert Placement.objects.count() == 1


def test_a_placement_on_another_track_is_refused(trained, staff, tracks):
    held, other = tracks
    assert trained.track_id == held.pk
    error = refused(
        Conflict,
        services.placement_create,
        application=trained,
        actor=staff,
        site="Jakarta",
        position="Juru las",
        contract_starts=ago(0),
        track=other,
    )
    assert error.code == "wrong_track"
    assert error.message == (
        "The worker holds a seat on the track “Rusia”; a placement can only be on that track, "
        "not on “Indonesia — proyek Rusia”."
    )
    assert not Placement.objects.exists()
    # Naming the held track is fine.
    assert place(trained, staff, track=held).track == held


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"site": "  "}, {"site": ["Name the work site."]}),
        ({"position": ""}, {"position": ["Name the position."]}),
        ({"contract_starts": None}, {"contract_starts": ["Give the date the contract starts."]}),
        ({"contract_ends": "same"}, {"contract_ends": ["The contract must end after it starts."]}),
        ({"contract_ends": "before"}, {"contract_ends": ["The contract must end after it starts."]}),
    ],
    ids=["no-site", "no-position", "no-start", "ends-on-start", "ends-before-start"],
)
def test_bad_contract_details_are_refused(trained, staff, values, fields):
    data = {"site": "Krasnoyarsk", "position": "Juru las", "contract_starts": ago(0), **values}
    if values.get("contract_ends") == "same":
        data["contract_ends"] = data["contract_starts"]
    elif values.get("contract_ends") == "before":
        data["contract_ends"] = data["contract_starts"] - DAY
    error = refused(DomainError, services.placement_create, application=trained, actor=staff, **data)
    assert (error.code, error.message, error.fields) == (
        "invalid",
        "Please correct the marked fields.",
        fields,
    )
    assert not Placement.objects.exists()
    trained.refresh_from_db()
    assert trained.stage == Stage.IN_TRAINING


def test_partners_cannot_create_a_placement(trained, partner_user):
    error = refused(
        DomainError,
        services.placement_create,
        application=trained,
        actor=partner_user,
        site="Krasnoyarsk",
        position="Juru las",
        contract_starts=ago(0),
    )
    assert (error.code, error.message) == ("forbidden", "Only ministry staff can do this.")


# --- The pre-departure checklist ----------------------------------------------------------


def item(placement, kind) -> ChecklistItem:
    return placement.checklist.get(item=kind)


def test_staff_confirm_an_item_with_its_date_and_note(placement, staff):
    visa = services.checklist_confirm(
        item=item(placement, "visa"), actor=staff, confirmed_on=ago(3), note="  Visa kerja terbit  "
    )
    visa.refresh_from_db()
    assert (visa.confirmed_on, visa.confirmed_by, visa.note, visa.is_open) == (
        ago(3),
        staff,
        "Visa kerja terbit",
        False,
    )
    health = services.checklist_confirm(item=item(placement, "health_check"), actor=staff)
    assert health.confirmed_on == timezone.localdate()
    assert [i.item for i in services.open_checklist_items(placement)] == [
        "passport",
        "orientation",
        "social_insurance",
        "signed_contract",
    ]


def test_a_confirmation_dated_in_the_future_is_refused(placement, staff):
    error = refused(
        DomainError,
        services.checklist_confirm,
        item=item(placement, "visa"),
        actor=staff,
        confirmed_on=ago(-1),
    )
    assert error.fields == {"confirmed_on": ["The date cannot be in the future."]}
    assert item(placement, "visa").is_open


def test_a_passport_that_expires_before_the_contract_ends_is_refused_with_both_dates(placement, staff):
    candidate = placement.application.candidate
    candidate.passport_expiry = placement.contract_ends - DAY
    candidate.save(update_fields=["passport_expiry"])
    error = refused(Conflict, services.checklist_confirm, item=item(placement, "passport"), actor=staff)
    assert error.code == "passport_not_valid"
    assert error.message == (
        f"The passport expires on {day(placement.contract_ends - DAY)}, "
        f"before the contract ends on {day(placement.contract_ends)}."
    )
    assert item(placement, "passport").is_open
    assert services.passport_problem(placement) == error.message


def test_a_passport_valid_to_the_last_day_of_the_contract_is_enough(placement, staff):
    candidate = placement.application.candidate
    candidate.passport_expiry = placement.contract_ends
    candidate.save(update_fields=["passport_expiry"])
    assert services.passport_problem(placement) == ""
    assert not services.checklist_confirm(item=item(placement, "passport"), actor=staff).is_open


@pytest.mark.parametrize("missing", ["passport_number", "passport_expiry"])
def test_a_missing_passport_is_refused(placement, staff, missing):
    candidate = placement.application.candidate
    setattr(candidate, missing, "" if missing == "passport_number" else None)
    candidate.save(update_fields=[missing])
    error = refused(Conflict, services.checklist_confirm, item=item(placement, "passport"), actor=staff)
    assert error.code == "passport_not_valid"
    assert error.message == "The worker's profile has no passport number and expiry date."


def test_the_checklist_closes_once_the_worker_departs(working, staff):
    visa = item(working, "visa")
    error = refused(Conflict, services.checklist_confirm, item=visa, actor=staff)
    assert (error.code, error.message) == (
        "checklist_closed",
        "The checklist is closed once the worker has departed.",
    )
    error = refused(Conflict, services.checklist_reopen, item=visa, actor=staff, note="Visa dicabut")
    assert error.code == "checklist_closed"
    assert not item(working, "visa").is_open


def test_an_item_is_reopened_with_a_note(placement, staff):
    services.checklist_confirm(item=item(placement, "health_check"), actor=staff)
    error = refused(
        DomainError, services.checklist_reopen, item=item(placement, "health_check"), actor=staff, note=" "
    )
    assert error.fields == {"note": ["Say why the item is open again."]}
    assert not item(placement, "health_check").is_open
    reopened = services.checklist_reopen(
        item=item(placement, "health_check"), actor=staff, note="Ulang tes darah"
    )
    assert (reopened.is_open, reopened.confirmed_by, reopened.note) == (True, None, "Ulang tes darah")


@pytest.mark.parametrize("call", ["confirm", "reopen"])
def test_partners_cannot_touch_the_checklist(placement, partner_user, call):
    visa = item(placement, "visa")
    if call == "confirm":
        error = refused(DomainError, services.checklist_confirm, item=visa, actor=partner_user)
    else:
        error = refused(DomainError, services.checklist_reopen, item=visa, actor=partner_user, note="x")
    assert (error.code, error.message) == ("forbidden", "Only ministry staff can do this.")


# --- Status --------------------------------------------------------------------------------


def test_the_placement_moves_along_and_each_move_is_recorded(placement, staff, partner_user):
    confirm_all(placement, staff)
    move(placement, "pre_departure", staff, days_ago=80)
    move(placement, "departed", partner_user, days_ago=70)
    move(placement, "working", partner_user, days_ago=60)
    contract_ended(placement, days_ago=0)
    done = move(placement, "completed", partner_user, days_ago=0)
    done.refresh_from_db()
    assert (done.status, done.departed_on, done.returned_on, done.status_reason) == (
        PlacementStatus.COMPLETED,
        ago(70),
        ago(0),
        "Contract completed.",
    )
    events = list(
        PlacementEvent.objects.filter(placement=placement)
        .order_by("id")
        .values_list("from_status", "to_status", "on_date", "actor")
    )
    assert events == [
        ("", "planned", ago(0), staff.pk),
        ("planned", "pre_departure", ago(80), staff.pk),
        ("pre_departure", "departed", ago(70), partner_user.pk),
        ("departed", "working", ago(60), partner_user.pk),
        ("working", "completed", ago(0), partner_user.pk),
    ]
    assert Application.objects.get(pk=placement.application_id).stage == Stage.RETURNED


def test_the_date_defaults_to_today(working, staff):
    contract_ended(working, days_ago=0)
    ended = services.placement_change_status(placement=working, to_status="completed", actor=staff)
    assert ended.returned_on == timezone.localdate()


STATUSES = [status.value for status in PlacementStatus]


@pytest.mark.parametrize("source", STATUSES)
def test_moves_outside_the_table_are_refused(placement, staff, source):
    Placement.objects.filter(pk=placement.pk).update(status=source, status_reason="x")
    allowed_for_staff = [target for (start_, target) in PLACEMENT_MACHINE.moves if start_ == source]
    for target in STATUSES:
        if (source, target) in PLACEMENT_MACHINE.moves:
            continue
        error = refused(
            Conflict,
            services.placement_change_status,
            placement=placement,
            to_status=target,
            actor=staff,
            on_date=ago(0),
            reason="Alasan",
        )
        allowed = ", ".join(str(PlacementStatus(t).label) for t in allowed_for_staff) or "none"
        assert error.code == "status_not_allowed", (source, target)
        assert error.message == (
            f"This placement is “{PlacementStatus(source).label}” and cannot become "
            f"“{PlacementStatus(target).label}”. Allowed: {allowed}."
        )
    assert Placement.objects.get(pk=placement.pk).status == source
    assert PlacementEvent.objects.filter(placement=placement).count() == 1


def test_the_table_gives_staff_every_move_and_the_employer_all_but_the_start_of_preparation():
    assert PLACEMENT_MACHINE.allowed_targets("planned", "staff") == ["pre_departure", "terminated"]
    assert PLACEMENT_MACHINE.allowed_targets("planned", "partner") == ["terminated"]
    assert PLACEMENT_MACHINE.allowed_targets("pre_departure", "partner") == ["departed", "terminated"]
    assert PLACEMENT_MACHINE.allowed_targets("working", "partner") == [
        "completed",
        "terminated",
        "repatriated",
    ]
    for final in ("completed", "terminated", "repatriated"):
        assert PLACEMENT_MACHINE.allowed_targets(final, "staff") == []
    assert PLACEMENT_MACHINE.allowed_targets("departed", "candidate") == []


def test_the_employer_cannot_start_the_preparation(placement, partner_user):
    error = refused(
        Conflict,
        services.placement_change_status,
        placement=placement,
        to_status="pre_departure",
        actor=partner_user,
    )
    assert error.code == "status_not_allowed"
    assert error.message == (
        "This placement is “Planned” and cannot become “Preparing to depart”. Allowed: Terminated early."
    )
    assert Placement.objects.get(pk=placement.pk).status == PlacementStatus.PLANNED


def test_an_unknown_status_is_refused(placement, staff):
    error = refused(
        DomainError, services.placement_change_status, placement=placement, to_status="holiday", actor=staff
    )
    assert error.fields == {"status": ["Choose a status from the list."]}


@pytest.mark.parametrize("target", ["terminated", "repatriated"])
def test_an_early_end_needs_a_reason(working, staff, target):
    error = refused(
        DomainError,
        services.placement_change_status,
        placement=working,
        to_status=target,
        actor=staff,
        reason="  ",
    )
    assert error.fields == {"reason": ["Give a reason for an early end."]}
    working.refresh_from_db()
    assert working.status == PlacementStatus.WORKING


def test_an_early_end_abroad_brings_the_worker_home(working, staff):
    ended = move(working, "repatriated", staff, days_ago=5, reason="  Cedera kerja  ")
    ended.refresh_from_db()
    assert (ended.status, ended.status_reason, ended.returned_on) == ("repatriated", "Cedera kerja", ago(5))
    application = Application.objects.get(pk=working.application_id)
    assert application.stage == Stage.RETURNED
    assert application.events.latest("id").reason == "Cedera kerja"


def test_an_end_before_departure_means_the_worker_never_went(placement, staff):
    ended = move(placement, "terminated", staff, days_ago=0, reason="Visa ditolak")
    ended.refresh_from_db()
    assert (ended.status, ended.returned_on, ended.departed_on) == ("terminated", None, None)
    application = Application.objects.get(pk=placement.application_id)
    assert application.stage == Stage.DISCONTINUED
    assert application.events.latest("id").reason == "Visa ditolak"


def test_a_status_date_in_the_future_is_refused(placement, staff):
    error = refused(
        DomainError,
        services.placement_change_status,
        placement=placement,
        to_status="pre_departure",
        actor=staff,
        on_date=ago(-1),
    )
    assert error.fields == {"on_date": ["The date cannot be in the future."]}


def test_a_status_date_too_long_before_the_contract_is_refused(placement, staff):
    lead = placement.contract_starts - services.DEPARTURE_LEAD
    message = (
        f"The date must fall within the contract ({day(placement.contract_starts)} to "
        f"{day(placement.contract_ends)}), allowing for travel."
    )
    error = refused(
        DomainError,
        services.placement_change_status,
        placement=placement,
        to_status="pre_departure",
        actor=staff,
        on_date=lead - DAY,
    )
    assert error.fields == {"on_date": [message]}
    assert (
        services.placement_change_status(
            placement=placement, to_status="pre_departure", actor=staff, on_date=lead
        ).status
        == PlacementStatus.PRE_DEPARTURE
    )


def test_a_status_date_too_long_after_the_contract_is_refused(trained, staff):
    # The contract ended 60 days ago: its grace for the journey home ended 30 days ago.
    placement = place(trained, staff, days_ago=60 + 365 * 5)
    Placement.objects.filter(pk=placement.pk).update(contract_ends=ago(60))
    placement.refresh_from_db()
    confirm_all(placement, staff)
    move(placement, "pre_departure", staff, days_ago=365 * 5 + 70)
    move(placement, "departed", staff, days_ago=365 * 5 + 65)
    move(placement, "working", staff, days_ago=365 * 5 + 60)
    error = refused(
        DomainError,
        services.placement_change_status,
        placement=placement,
        to_status="completed",
        actor=staff,
        on_date=ago(29),
    )
    assert error.fields["on_date"] == [
        f"The date must fall within the contract ({day(placement.contract_starts)} to "
        f"{day(placement.contract_ends)}), allowing for travel."
    ]
    assert move(placement, "completed", staff, days_ago=30).returned_on == ago(30)


def test_a_status_date_before_the_last_change_is_refused(working, staff):
    error = refused(
        DomainError,
        services.placement_change_status,
        placement=working,
        to_status="completed",
        actor=staff,
        on_date=ago(61),
    )
    assert error.fields == {"on_date": [f"The date cannot be before the last change, on {day(ago(60))}."]}
    # The same day as the last change is fine.
    ended = move(working, "repatriated", staff, days_ago=60, reason="Sakit.")
    assert ended.status == PlacementStatus.REPATRIATED


def test_the_day_the_placement_was_recorded_does_not_date_the_journey(placement, staff):
    # Recorded today; the preparation started 80 days ago all the same.
    assert move(placement, "pre_departure", staff, days_ago=80).status == PlacementStatus.PRE_DEPARTURE


def test_a_placement_far_ahead_can_be_ended_before_departure_any_day(trained, staff):
    placement = place(trained, staff, days_ago=-200)
    # Preparation is a journey date: still refused this early.
    error = refused(
        DomainError,
        services.placement_change_status,
        placement=placement,
        to_status="pre_departure",
        actor=staff,
    )
    assert list(error.fields) == ["on_date"]
    ended = services.placement_change_status(
        placement=placement, to_status="terminated", actor=staff, reason="Pekerja mengundurkan diri"
    )
    ended.refresh_from_db()
    assert (ended.status, ended.returned_on) == (PlacementStatus.TERMINATED, None)
    assert Application.objects.get(pk=placement.application_id).stage == Stage.DISCONTINUED


def test_a_worker_who_never_left_can_be_ended_after_the_contract_window(trained, staff):
    # Preparing since before a contract that ended 200 days ago: the end is recorded today.
    placement = place(trained, staff, days_ago=365 * 5 + 260)
    move(placement, "pre_departure", staff, days_ago=365 * 5 + 300)
    placement.refresh_from_db()
    assert placement.contract_ends + services.RETURN_GRACE < timezone.localdate()
    ended = services.placement_change_status(
        placement=placement, to_status="terminated", actor=staff, reason="Batal"
    )
    assert (ended.status, ended.returned_on) == (PlacementStatus.TERMINATED, None)


def test_the_worker_cannot_depart_with_open_items_and_the_message_names_them(placement, staff, partner_user):
    for kind in ("passport", "orientation", "social_insurance", "signed_contract"):
        services.checklist_confirm(item=item(placement, kind), actor=staff)
    move(placement, "pre_departure", staff, days_ago=80)
    for actor in (staff, partner_user):
        error = refused(
            Conflict,
            services.placement_change_status,
            placement=placement,
            to_status="departed",
            actor=actor,
            on_date=ago(70),
        )
        assert error.code == "checklist_open"
        assert error.message == (
            "The worker cannot depart while these checklist items are open: Work visa, Health check."
        )
    placement.refresh_from_db()
    assert (placement.status, placement.departed_on) == (PlacementStatus.PRE_DEPARTURE, None)
    assert PlacementEvent.objects.filter(placement=placement).count() == 2


def test_preparing_to_depart_with_open_items_tells_the_worker(placement, staff):
    services.checklist_confirm(item=item(placement, "passport"), actor=staff)
    move(placement, "pre_departure", staff, days_ago=80)
    notification = Notification.objects.get(kind=NotificationKind.CHECKLIST_OPEN)
    assert notification.recipient == placement.application.candidate.user
    assert notification.context == {
        "application_id": placement.application_id,
        "program_id": placement.application.program_id,
        "placement_id": placement.pk,
        "open_items": ["visa", "health_check", "orientation", "social_insurance", "signed_contract"],
    }


def test_preparing_to_depart_with_everything_done_sends_no_checklist_notice(placement, staff):
    confirm_all(placement, staff)
    move(placement, "pre_departure", staff, days_ago=80)
    assert not Notification.objects.filter(kind=NotificationKind.CHECKLIST_OPEN).exists()


# --- Who may change a placement ------------------------------------------------------------


def test_a_partner_of_another_programme_gets_not_found(working, other_partner_user):
    error = refused(
        NotFound,
        services.placement_change_status,
        placement=working,
        to_status="completed",
        actor=other_partner_user,
    )
    assert (error.code, error.message) == ("not_found", "Placement not found.")
    error = refused(
        NotFound,
        services.placement_change_grade,
        placement=working,
        to_grade=1,
        effective_on=working.contract_starts,
        actor=other_partner_user,
    )
    assert error.message == "Placement not found."


def test_a_training_institution_cannot_change_a_placement(working, trainer_user):
    with pytest.raises(NotFound):
        services.placement_change_status(placement=working, to_status="completed", actor=trainer_user)
    with pytest.raises(NotFound):
        services.placement_change_grade(
            placement=working, to_grade=1, effective_on=working.contract_starts, actor=trainer_user
        )
    working.refresh_from_db()
    assert (working.status, working.grade) == (PlacementStatus.WORKING, None)


def test_a_candidate_cannot_change_their_own_placement(working):
    with pytest.raises(NotFound):
        services.placement_change_status(
            placement=working, to_status="completed", actor=working.application.candidate.user
        )


# --- Grades ---------------------------------------------------------------------------------


def grade(placement, to_grade, actor, *, days_after_start: int = 0, reason: str = ""):
    return services.placement_change_grade(
        placement=placement,
        to_grade=to_grade,
        effective_on=placement.contract_starts + datetime.timedelta(days=days_after_start),
        actor=actor,
        reason=reason,
    )


def test_grades_start_anywhere_on_the_ladder_then_move_one_step(working, staff, partner_user):
    first = grade(working, 3, partner_user, reason="  Pengalaman sebelumnya ")
    assert (first.from_grade, first.to_grade, first.actor, first.reason) == (
        None,
        3,
        partner_user,
        "Pengalaman sebelumnya",
    )
    up = grade(working, 4, partner_user, days_after_start=30)
    down = grade(working, 3, staff, days_after_start=40)
    assert [(c.from_grade, c.to_grade) for c in (up, down)] == [(3, 4), (4, 3)]
    working.refresh_from_db()
    assert working.grade == 3
    assert GradeChange.objects.filter(placement=working).count() == 3


@pytest.mark.parametrize("value", [0, 7, 100, -1, "3", 3.0, True, None])
def test_a_grade_not_on_the_ladder_is_refused(working, staff, value):
    error = refused(
        DomainError,
        services.placement_change_grade,
        placement=working,
        to_grade=value,
        effective_on=working.contract_starts,
        actor=staff,
    )
    assert error.fields == {"grade": [f"Grade {value} is not on the programme's ladder (1 to 6)."]}
    assert not GradeChange.objects.exists()


@pytest.mark.parametrize(
    ("current", "target", "options"),
    [(1, 3, "2"), (3, 5, "2, 4"), (3, 1, "2, 4"), (6, 1, "5")],
)
def test_grades_never_jump(working, staff, current, target, options):
    grade(working, current, staff)
    error = refused(
        Conflict,
        services.placement_change_grade,
        placement=working,
        to_grade=target,
        effective_on=working.contract_starts + datetime.timedelta(days=30),
        actor=staff,
    )
    assert error.code == "grade_step"
    # The wording is still settling; the facts are the rule, the current grade and the options.
    assert error.message.startswith(f"Grades change one step at a time: from grade {current} ")
    assert error.message.endswith(f" {options}.")
    working.refresh_from_db()
    assert working.grade == current


def test_a_ladder_with_gaps_steps_from_rung_to_rung(working, staff, program):
    GradeLevel.objects.filter(program=program, grade__in=[2, 4, 6]).delete()
    grade(working, 1, staff)
    assert grade(working, 3, staff, days_after_start=10).to_grade == 3
    assert grade(working, 1, staff, days_after_start=20).to_grade == 1
    error = refused(
        Conflict,
        services.placement_change_grade,
        placement=working,
        to_grade=5,
        effective_on=working.contract_starts + datetime.timedelta(days=30),
        actor=staff,
    )
    assert error.code == "grade_step"
    assert error.message.endswith(" 3.")
    error = refused(
        DomainError,
        services.placement_change_grade,
        placement=working,
        to_grade=4,
        effective_on=working.contract_starts + datetime.timedelta(days=30),
        actor=staff,
    )
    assert error.fields == {"grade": ["Grade 4 is not on the programme's ladder (1 to 5)."]}


def test_the_same_grade_again_is_refused(working, staff):
    grade(working, 2, staff)
    error = refused(
        Conflict,
        services.placement_change_grade,
        placement=working,
        to_grade=2,
        effective_on=working.contract_starts + datetime.timedelta(days=30),
        actor=staff,
    )
    assert (error.code, error.message) == ("same_grade", "The worker is already at grade 2.")


@pytest.mark.parametrize("offset", ["before", "after"])
def test_a_grade_date_outside_the_contract_is_refused(working, staff, offset):
    effective = working.contract_starts - DAY if offset == "before" else working.contract_ends + DAY
    error = refused(
        DomainError,
        services.placement_change_grade,
        placement=working,
        to_grade=1,
        effective_on=effective,
        actor=staff,
    )
    assert error.fields == {
        "effective_on": [
            f"The date must fall within the contract, from {day(working.contract_starts)} "
            f"to {day(working.contract_ends)}."
        ]
    }


def test_a_grade_date_before_the_last_change_is_refused(working, staff):
    grade(working, 1, staff, days_after_start=30)
    error = refused(
        DomainError,
        services.placement_change_grade,
        placement=working,
        to_grade=2,
        effective_on=working.contract_starts + datetime.timedelta(days=29),
        actor=staff,
    )
    last = working.contract_starts + datetime.timedelta(days=30)
    assert error.fields == {
        "effective_on": [f"The date cannot be before the last grade change, on {day(last)}."]
    }


def test_a_grade_without_a_date_is_refused(working, staff):
    error = refused(
        DomainError,
        services.placement_change_grade,
        placement=working,
        to_grade=1,
        effective_on=None,
        actor=staff,
    )
    assert error.fields == {"effective_on": ["Give the date the grade takes effect."]}


def test_an_ended_placement_keeps_its_grade(returned, staff):
    error = refused(
        Conflict,
        services.placement_change_grade,
        placement=returned,
        to_grade=1,
        effective_on=returned.contract_starts,
        actor=staff,
    )
    assert (error.code, error.message) == (
        "placement_ended",
        "The placement has ended; its grade no longer changes.",
    )


def test_a_programme_without_a_ladder_has_no_grades(working, staff, program):
    GradeLevel.objects.filter(program=program).delete()
    error = refused(
        Conflict,
        services.placement_change_grade,
        placement=working,
        to_grade=1,
        effective_on=working.contract_starts,
        actor=staff,
    )
    assert (error.code, error.message) == ("no_ladder", "This programme has no grade ladder.")


# --- Pay ----------------------------------------------------------------------------------


def test_pay_is_the_grade_salary_in_roubles_and_rupiah_at_the_dated_rate(working, staff):
    ExchangeRate.objects.create(currency="RUB", rate_to_idr=Decimal("200.5"), date=datetime.date(2026, 1, 1))
    ExchangeRate.objects.create(currency="RUB", rate_to_idr=Decimal("230"), date=datetime.date(2027, 1, 1))
    assert placement_pay(working) is None  # no grade yet
    grade(working, 2, staff)
    working.refresh_from_db()
    cases = {
        datetime.date(2025, 12, 31): (None, None),
        datetime.date(2026, 1, 1): (Decimal("20050000"), datetime.date(2026, 1, 1)),
        datetime.date(2026, 9, 30): (Decimal("20050000"), datetime.date(2026, 1, 1)),
        datetime.date(2026, 10, 1): (Decimal("21900000"), datetime.date(2026, 10, 1)),
        datetime.date(2026, 12, 31): (Decimal("21900000"), datetime.date(2026, 10, 1)),
        datetime.date(2027, 1, 1): (Decimal("23000000"), datetime.date(2027, 1, 1)),
    }
    for on, (idr, rate_date) in cases.items():
        pay = placement_pay(working, on=on)
        assert (pay.grade, pay.currency, pay.monthly) == (2, Currency.RUB, Decimal("100000")), on
        assert pay.monthly_idr == idr, on
        assert (pay.rate.date if pay.rate else None) == rate_date, on


def test_pay_follows_the_current_grade(working, staff):
    grade(working, 5, staff)
    working.refresh_from_db()
    assert placement_pay(working, on=datetime.date(2026, 10, 1)).monthly_idr == Decimal("170000") * 219


def test_pay_in_rupiah_needs_no_rate(staff):
    program = ProgramFactory(status=ProgramStatus.TRAINING, salary_currency=Currency.IDR)
    GradeLevel.objects.create(program=program, grade=1, monthly_salary=Decimal("9500000"))
    application = accept(program, candidate=CandidateFactory())
    placement = place(application, staff)
    services.placement_change_grade(
        placement=placement, to_grade=1, effective_on=placement.contract_starts, actor=staff
    )
    placement.refresh_from_db()
    pay = placement_pay(placement)
    assert (pay.currency, pay.monthly, pay.monthly_idr, pay.rate) == (
        Currency.IDR,
        Decimal("9500000"),
        Decimal("9500000"),
        None,
    )


def test_a_grade_no_longer_on_the_ladder_has_no_pay(working, staff, program):
    grade(working, 6, staff)
    working.refresh_from_db()
    GradeLevel.objects.filter(program=program, grade=6).delete()
    assert placement_pay(working) is None


def test_a_contract_is_not_completed_before_its_end(working, staff):
    error = refused(
        DomainError, services.placement_change_status, placement=working, to_status="completed", actor=staff
    )

    assert error.fields == {
        "on_date": [
            f"The contract ends on {day(working.contract_ends)} and cannot be completed before; "
            "an earlier end is “Terminated early” or “Repatriated”, with a reason."
        ]
    }
    working.refresh_from_db()
    assert working.status == PlacementStatus.WORKING
    assert working.returned_on is None
    assert Application.objects.get(pk=working.application_id).stage == Stage.PLACED


def test_a_contract_is_completed_from_its_end_day(working, staff):
    contract_ended(working, days_ago=3)
    error = refused(
        DomainError,
        services.placement_change_status,
        placement=working,
        to_status="completed",
        actor=staff,
        on_date=ago(4),
    )
    assert list(error.fields) == ["on_date"]
    assert move(working, "completed", staff, days_ago=3).status == PlacementStatus.COMPLETED
