"""Training: enrolment on acceptance, starting phases, progress, assessments, pass rules, early ends,
certificates, and who may do each of them. Every refusal is checked by its code and its message.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from candidates.models import Application, ApplicationEvent, Stage
from notifications.models import Notification, NotificationKind
from p2mi_portal.errors import Conflict, DomainError, NotFound
from placements import services
from placements.models import (
    Assessment,
    Certificate,
    Enrolment,
    EnrolmentStatus,
)
from placements.services import add_months
from programs.models import PlacementTrack, ProgramStatus, StudyField, TrainingPhase
from tests.candidates.factories import application_at
from tests.files import jpeg_bytes, pdf_bytes, png_bytes, upload

from .conftest import DAY, accept, make_passable, phases_of, start


def refused(exc_type, call, **kwargs) -> DomainError:
    with pytest.raises(exc_type) as caught:
        call(**kwargs)
    return caught.value


def day(value: datetime.date) -> str:
    return date_format(value, "DATE_FORMAT")


# --- Enrolment on acceptance ----------------------------------------------------------


def test_accepting_an_offer_enrols_the_worker_in_every_phase_back_to_back(worker, program):
    language, technical = phases_of(worker)
    first_start = max(program.target_departure, timezone.localdate())
    assert (language.starts_on, language.ends_on) == (first_start, add_months(first_start, 12))
    assert (technical.starts_on, technical.ends_on) == (language.ends_on, add_months(language.ends_on, 12))
    assert {language.status, technical.status} == {EnrolmentStatus.PLANNED}
    # One field of study is set for the worker; of several, staff choose later.
    assert language.field_of_study == StudyField.LANGUAGE
    assert technical.field_of_study == ""
    assert worker.stage == Stage.ACCEPTED


def test_a_late_acceptance_is_planned_from_today(program, staff):
    today = timezone.localdate()
    program.recruitment_opens = today - datetime.timedelta(days=200)
    program.recruitment_closes = today - datetime.timedelta(days=100)
    program.target_departure = today - datetime.timedelta(days=30)
    program.save(update_fields=["recruitment_opens", "recruitment_closes", "target_departure"])
    language, _technical = phases_of(accept(program))
    assert language.starts_on == timezone.localdate()


def test_enrolling_again_adds_only_the_missing_phases(worker, program):
    assert services.training_enrol(application=worker) == []
    TrainingPhase.objects.create(program=program, order=3, title="Budaya kerja", months=1, location="Rusia")
    added = services.training_enrol(application=worker)
    assert [e.phase.order for e in added] == [3]
    assert worker.enrolments.count() == 3


def test_a_programme_without_phases_enrols_nobody(staff):
    from tests.programs.factories import ProgramFactory

    bare = ProgramFactory(status=ProgramStatus.TRAINING)
    application = accept(bare)
    assert application.stage == Stage.ACCEPTED
    assert not Enrolment.objects.filter(application=application).exists()


# --- Starting a phase ---------------------------------------------------------------------


def test_starting_the_first_phase_puts_the_worker_in_training(worker, staff):
    language, _technical = phases_of(worker)
    begun = timezone.localdate() - datetime.timedelta(days=10)
    started = services.enrolment_start(enrolment=language, actor=staff, starts_on=begun)
    assert started.status == EnrolmentStatus.IN_PROGRESS
    assert (started.starts_on, started.ends_on) == (begun, add_months(begun, 12))
    worker.refresh_from_db()
    assert worker.stage == Stage.IN_TRAINING
    event = ApplicationEvent.objects.filter(application=worker).latest("id")
    assert (event.from_stage, event.to_stage, event.actor) == (Stage.ACCEPTED, Stage.IN_TRAINING, staff)


def test_starting_without_a_date_keeps_the_planned_dates(worker, staff):
    language, _technical = phases_of(worker)
    started = services.enrolment_start(enrolment=language, actor=staff)
    assert (started.starts_on, started.ends_on) == (language.starts_on, language.ends_on)


def test_the_employer_may_start_a_phase(worker, partner_user):
    language, _technical = phases_of(worker)
    services.enrolment_start(enrolment=language, actor=partner_user)
    worker.refresh_from_db()
    assert worker.stage == Stage.IN_TRAINING


def test_a_phase_that_is_not_planned_cannot_start(worker, staff):
    language, _technical = phases_of(worker)
    start(language, staff)
    error = refused(Conflict, services.enrolment_start, enrolment=language, actor=staff)
    assert error.code == "phase_not_planned"
    assert error.message == "This phase is “In progress”; only a planned phase can start."


def test_phase_two_cannot_start_before_phase_one_is_passed(worker, staff):
    language, technical = phases_of(worker)
    services.enrolment_choose_field(enrolment=technical, field=StudyField.MACHINERY, actor=staff)
    error = refused(Conflict, services.enrolment_start, enrolment=technical, actor=staff)
    assert error.code == "earlier_phase_open"
    assert error.message == "Pass the earlier phases first: 1. Russian language."
    start(language, staff)
    error = refused(Conflict, services.enrolment_start, enrolment=technical, actor=staff)
    assert error.code == "earlier_phase_open"
    technical.refresh_from_db()
    assert technical.status == EnrolmentStatus.PLANNED


def test_a_phase_of_several_fields_cannot_start_before_one_is_chosen(program, worker, staff):
    language, technical = phases_of(worker)
    # Make phase two the first to start: the field rule, not the order, is what refuses.
    Enrolment.objects.filter(pk=language.pk).update(status=EnrolmentStatus.PASSED)
    error = refused(Conflict, services.enrolment_start, enrolment=technical, actor=staff)
    assert error.code == "field_not_chosen"
    assert error.message == "Choose the worker's field of study for “Technical training” before it starts."
    technical.refresh_from_db()
    assert technical.status == EnrolmentStatus.PLANNED


# --- Choosing the field of study ----------------------------------------------------------


def test_staff_choose_a_field_of_the_phase(worker, staff):
    _language, technical = phases_of(worker)
    chosen = services.enrolment_choose_field(enrolment=technical, field=StudyField.TRANSPORT, actor=staff)
    assert chosen.field_of_study == StudyField.TRANSPORT
    technical.refresh_from_db()
    assert technical.field_of_study == StudyField.TRANSPORT


def test_a_field_not_in_the_phase_is_refused_with_the_phase_fields(worker, staff):
    _language, technical = phases_of(worker)
    error = refused(
        DomainError,
        services.enrolment_choose_field,
        enrolment=technical,
        field=StudyField.WELDING,
        actor=staff,
    )
    expected = (
        "Choose one of this phase's fields of study: "
        "Construction, Machinery, Materials science, Transport, Electrical energy."
    )
    assert (error.code, error.message) == ("invalid", expected)
    assert error.fields == {"field_of_study": [expected]}
    technical.refresh_from_db()
    assert technical.field_of_study == ""


def test_the_field_of_a_finished_phase_cannot_change(worker, staff):
    language, _technical = phases_of(worker)
    Enrolment.objects.filter(pk=language.pk).update(status=EnrolmentStatus.PASSED)
    error = refused(
        Conflict, services.enrolment_choose_field, enrolment=language, field=StudyField.LANGUAGE, actor=staff
    )
    assert error.code == "phase_finished"
    assert error.message == "The field of study of a finished phase cannot change."


def test_partners_cannot_choose_the_field(worker, partner_user):
    _language, technical = phases_of(worker)
    error = refused(
        DomainError,
        services.enrolment_choose_field,
        enrolment=technical,
        field=StudyField.MACHINERY,
        actor=partner_user,
    )
    assert (error.code, error.message) == ("forbidden", "Only ministry staff can do this.")


# --- Progress -------------------------------------------------------------------------------


def test_progress_records_attendance_and_language_level(worker, staff, partner_user):
    language, _technical = phases_of(worker)
    start(language, staff)
    services.enrolment_record_progress(
        enrolment=language, actor=partner_user, attendance="87.456", language_level="torfl_basic"
    )
    language.refresh_from_db()
    assert (language.attendance, language.language_level) == (Decimal("87.46"), "torfl_basic")
    # Each part on its own leaves the other as it is; an empty level clears it.
    services.enrolment_record_progress(enrolment=language, actor=partner_user, attendance=90)
    services.enrolment_record_progress(enrolment=language, actor=partner_user, language_level="")
    language.refresh_from_db()
    assert (language.attendance, language.language_level) == (Decimal("90.00"), "")


@pytest.mark.parametrize("attendance", ["-1", "100.01", "abc", "NaN", "Infinity", True])
def test_attendance_outside_0_to_100_is_refused(worker, staff, attendance):
    language, _technical = phases_of(worker)
    start(language, staff)
    error = refused(
        DomainError,
        services.enrolment_record_progress,
        enrolment=language,
        actor=staff,
        attendance=attendance,
    )
    assert error.code == "invalid"
    assert error.fields == {"attendance": ["Give a percentage from 0 to 100."]}


def test_an_unknown_language_level_is_refused(worker, staff):
    language, _technical = phases_of(worker)
    start(language, staff)
    error = refused(
        DomainError, services.enrolment_record_progress, enrolment=language, actor=staff, language_level="b9"
    )
    assert error.fields == {"language_level": ["Choose a language level from the list."]}


def test_progress_is_refused_for_a_phase_not_in_progress(worker, staff):
    language, _technical = phases_of(worker)
    error = refused(
        Conflict, services.enrolment_record_progress, enrolment=language, actor=staff, attendance=90
    )
    assert error.code == "phase_not_in_progress"
    assert error.message == "Progress is recorded only for a phase in progress."


# --- Assessments ---------------------------------------------------------------------------


@pytest.fixture
def in_progress(worker, staff):
    """The language phase, started 360 days ago (it ends in a few days)."""
    language, _technical = phases_of(worker)
    return start(language, staff)


def test_an_assessment_is_recorded_with_its_result_and_who_recorded_it(in_progress, partner_user):
    today = timezone.localdate()
    assessment = services.assessment_record(
        enrolment=in_progress,
        actor=partner_user,
        taken_on=today,
        kind="test",
        score="59.5",
        pass_mark=60,
        note="  Ujian tengah  ",
    )
    assessment.refresh_from_db()
    assert (assessment.score, assessment.pass_mark, assessment.max_score) == (
        Decimal("59.50"),
        Decimal("60.00"),
        Decimal("100.00"),
    )
    assert assessment.passed is False
    assert (assessment.note, assessment.recorded_by, assessment.recorded_with_key) == (
        "Ujian tengah",
        partner_user,
        None,
    )
    passed = services.assessment_record(
        enrolment=in_progress,
        actor=partner_user,
        taken_on=today,
        kind="test",
        score=12,
        pass_mark=12,
        max_score=20,
    )
    assert passed.passed is True


def test_an_assessment_queues_a_training_result_for_the_worker(in_progress, staff):
    services.assessment_record(
        enrolment=in_progress,
        actor=staff,
        taken_on=timezone.localdate(),
        kind="final",
        score=78,
        pass_mark=60,
    )
    notification = Notification.objects.filter(kind=NotificationKind.TRAINING_RESULT).get()
    assert notification.recipient == in_progress.application.candidate.user
    assert notification.context == {
        "application_id": in_progress.application_id,
        "program_id": in_progress.application.program_id,
        "enrolment_id": in_progress.pk,
        "phase_title": "Bahasa Rusia",
        "phase_title_en": "Russian language",
        "assessment_kind": "final",
        "score": "78",
        "max_score": "100",
        "passed": True,
    }


@pytest.mark.parametrize("status", [EnrolmentStatus.PLANNED, EnrolmentStatus.PASSED])
def test_an_assessment_of_a_phase_not_in_progress_is_refused(worker, staff, status):
    language, _technical = phases_of(worker)
    Enrolment.objects.filter(pk=language.pk).update(
        status=status, starts_on=timezone.localdate() - datetime.timedelta(days=30)
    )
    error = refused(
        Conflict,
        services.assessment_record,
        enrolment=language,
        actor=staff,
        taken_on=timezone.localdate(),
        kind="test",
        score=70,
        pass_mark=60,
    )
    assert error.code == "phase_not_in_progress"
    label = EnrolmentStatus(status).label
    assert error.message == f"This phase is “{label}”; assessments are recorded only while it is in progress."
    assert not Assessment.objects.exists()


def test_an_assessment_dated_in_the_future_is_refused(in_progress, staff):
    error = refused(
        DomainError,
        services.assessment_record,
        enrolment=in_progress,
        actor=staff,
        taken_on=timezone.localdate() + DAY,
        kind="test",
        score=70,
        pass_mark=60,
    )
    assert (error.code, error.message) == ("invalid", "Please correct the marked fields.")
    assert error.fields == {"taken_on": ["The assessment date cannot be in the future."]}


def test_an_assessment_dated_before_the_phase_is_refused_naming_its_dates(in_progress, staff):
    error = refused(
        DomainError,
        services.assessment_record,
        enrolment=in_progress,
        actor=staff,
        taken_on=in_progress.starts_on - DAY,
        kind="test",
        score=70,
        pass_mark=60,
    )
    starts, ends = day(in_progress.starts_on), day(in_progress.ends_on)
    expected = f"The date must fall within the phase, from {starts} to {ends}."
    assert error.fields == {"taken_on": [expected]}


def test_an_assessment_dated_after_the_phase_is_refused(worker, staff):
    language, _technical = phases_of(worker)
    start(language, staff, days_ago=400)  # ended about a month ago
    language.refresh_from_db()
    assert language.ends_on < timezone.localdate()
    error = refused(
        DomainError,
        services.assessment_record,
        enrolment=language,
        actor=staff,
        taken_on=timezone.localdate(),
        kind="test",
        score=70,
        pass_mark=60,
    )
    assert error.fields["taken_on"] == [
        f"The date must fall within the phase, from {day(language.starts_on)} to {day(language.ends_on)}."
    ]


def test_the_phase_boundaries_are_inside(worker, staff):
    language, _technical = phases_of(worker)
    language = start(language, staff, days_ago=0)
    recorded = services.assessment_record(
        enrolment=language, actor=staff, taken_on=timezone.localdate(), kind="test", score=1, pass_mark=1
    )
    assert recorded.taken_on == language.starts_on == timezone.localdate()


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"score": 101}, {"score": ["Give a value from 0 to 100."]}),
        ({"score": -1}, {"score": ["Give a value from 0 to 100."]}),
        ({"pass_mark": 120}, {"pass_mark": ["Give a value from 0 to 100."]}),
        ({"score": 41, "pass_mark": 30, "max_score": 40}, {"score": ["Give a value from 0 to 40."]}),
        ({"max_score": 0}, {"max_score": ["The highest possible score must be more than zero."]}),
        ({"max_score": -10}, {"max_score": ["The highest possible score must be more than zero."]}),
        ({"score": "70.125"}, {"score": ["Give a number below 10,000 with at most two decimals."]}),
        ({"max_score": 10_000}, {"max_score": ["Give a number below 10,000 with at most two decimals."]}),
        ({"score": "tujuh puluh"}, {"score": ["Give a number."]}),
        ({"pass_mark": None}, {"pass_mark": ["Give a number."]}),
        ({"score": "NaN"}, {"score": ["Give a number below 10,000 with at most two decimals."]}),
        ({"kind": "oral"}, {"kind": ["Choose a kind of assessment from the list."]}),
        ({"taken_on": "2026-01-01"}, {"taken_on": ["Give the date of the assessment."]}),
    ],
    ids=[
        "score-above-max",
        "negative-score",
        "pass-mark-above-max",
        "score-above-own-max",
        "zero-max",
        "negative-max",
        "three-decimals",
        "huge-max",
        "words",
        "no-pass-mark",
        "nan",
        "unknown-kind",
        "date-as-text",
    ],
)
def test_bad_assessment_values_are_refused_field_by_field(in_progress, staff, values, fields):
    data = {"taken_on": timezone.localdate(), "kind": "test", "score": 70, "pass_mark": 60, **values}
    error = refused(DomainError, services.assessment_record, enrolment=in_progress, actor=staff, **data)
    assert (error.code, error.message) == ("invalid", "Please correct the marked fields.")
    assert error.fields == fields
    assert not Assessment.objects.exists()
    assert not Notification.objects.filter(kind=NotificationKind.TRAINING_RESULT).exists()


def test_every_bad_field_is_named_at_once(in_progress, staff):
    error = refused(
        DomainError,
        services.assessment_record,
        enrolment=in_progress,
        actor=staff,
        taken_on=timezone.localdate() + DAY,
        kind="oral",
        score=150,
        pass_mark=120,
    )
    assert set(error.fields) == {"taken_on", "kind", "score", "pass_mark"}


# --- Pass rules ------------------------------------------------------------------------------


def pass_refusal(enrolment, actor) -> Conflict:
    error = refused(Conflict, services.enrolment_pass, enrolment=enrolment, actor=actor)
    assert error.code == "pass_rules_not_met"
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.IN_PROGRESS
    return error


def final(enrolment, actor, score, pass_mark=60, *, days_ago=0):
    return services.assessment_record(
        enrolment=enrolment,
        actor=actor,
        taken_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        kind="final",
        score=score,
        pass_mark=pass_mark,
    )


def test_a_phase_without_attendance_or_final_cannot_be_passed(in_progress, staff):
    error = pass_refusal(in_progress, staff)
    assert error.message == (
        "“Russian language” cannot be passed: attendance is not recorded; no final assessment is recorded."
    )


def test_attendance_below_the_minimum_is_named(in_progress, staff):
    services.enrolment_record_progress(enrolment=in_progress, actor=staff, attendance="79.5")
    final(in_progress, staff, 80)
    error = pass_refusal(in_progress, staff)
    assert (
        error.message == "“Russian language” cannot be passed: attendance is 79.5%, below the required 80%."
    )


def test_round_numbers_in_the_pass_rule_message_read_as_numbers(in_progress, staff):
    services.enrolment_record_progress(enrolment=in_progress, actor=staff, attendance=70)
    final(in_progress, staff, 50, pass_mark=60)
    error = pass_refusal(in_progress, staff)
    assert error.message == (
        "“Russian language” cannot be passed: attendance is 70%, below the required 80%; "
        "the last final assessment (50, pass mark 60) was not passed."
    )


def test_a_phase_without_a_final_assessment_cannot_be_passed(in_progress, staff):
    services.enrolment_record_progress(enrolment=in_progress, actor=staff, attendance=95)
    services.assessment_record(
        enrolment=in_progress, actor=staff, taken_on=timezone.localdate(), kind="test", score=99, pass_mark=60
    )
    error = pass_refusal(in_progress, staff)
    assert error.message == "“Russian language” cannot be passed: no final assessment is recorded."


def test_a_failed_final_assessment_is_named_with_its_score(in_progress, staff):
    services.enrolment_record_progress(enrolment=in_progress, actor=staff, attendance=95)
    final(in_progress, staff, "55.5", pass_mark="60.25")
    error = pass_refusal(in_progress, staff)
    assert error.message == (
        "“Russian language” cannot be passed: "
        "the last final assessment (55.5, pass mark 60.25) was not passed."
    )


def test_the_last_final_assessment_decides(in_progress, staff):
    services.enrolment_record_progress(enrolment=in_progress, actor=staff, attendance=95)
    final(in_progress, staff, "75.5", days_ago=5)
    final(in_progress, staff, "45.5", days_ago=1)
    assert "45.5, pass mark" in pass_refusal(in_progress, staff).message
    final(in_progress, staff, "65.5")  # a retake
    assert services.enrolment_pass(enrolment=in_progress, actor=staff).status == EnrolmentStatus.PASSED


def test_attendance_exactly_at_the_minimum_passes(in_progress, staff):
    services.enrolment_record_progress(enrolment=in_progress, actor=staff, attendance=80)
    final(in_progress, staff, 60, pass_mark=60)
    assert services.enrolment_pass(enrolment=in_progress, actor=staff).status == EnrolmentStatus.PASSED


def test_a_phase_that_needs_no_final_passes_on_attendance(in_progress, staff):
    TrainingPhase.objects.filter(pk=in_progress.phase_id).update(final_assessment_required=False)
    services.enrolment_record_progress(enrolment=in_progress, actor=staff, attendance=85)
    assert services.enrolment_pass(enrolment=in_progress, actor=staff).status == EnrolmentStatus.PASSED


def test_pass_rule_problems_is_empty_when_the_rules_hold(in_progress, staff):
    make_passable(in_progress, staff)
    in_progress.refresh_from_db()
    assert services.pass_rule_problems(in_progress) == []


# --- Passing --------------------------------------------------------------------------------


def test_passing_a_phase_records_the_decision_and_starts_the_next(worker, staff):
    language, technical = phases_of(worker)
    start(language, staff)
    services.enrolment_choose_field(enrolment=technical, field=StudyField.MACHINERY, actor=staff)
    make_passable(language, staff)
    passed = services.enrolment_pass(enrolment=language, actor=staff, language_level="torfl_1")
    passed.refresh_from_db()
    assert (passed.status, passed.language_level, passed.decided_by) == (
        EnrolmentStatus.PASSED,
        "torfl_1",
        staff,
    )
    assert passed.decided_at is not None
    technical.refresh_from_db()
    assert technical.status == EnrolmentStatus.IN_PROGRESS
    assert (technical.starts_on, technical.ends_on) == (
        timezone.localdate(),
        add_months(timezone.localdate(), 12),
    )
    worker.refresh_from_db()
    assert worker.stage == Stage.IN_TRAINING
    notification = Notification.objects.filter(
        kind=NotificationKind.TRAINING_RESULT, context__phase_passed=True
    ).get()
    assert notification.context["phase_title_en"] == "Russian language"
    assert notification.context["next_phase_title"] == "Pelatihan teknik"
    assert notification.context["next_phase_title_en"] == "Technical training"
    assert notification.context["next_starts_on"] == timezone.localdate().isoformat()


def test_the_next_phase_waits_for_its_field_of_study(worker, staff):
    language, technical = phases_of(worker)
    start(language, staff)
    make_passable(language, staff)
    services.enrolment_pass(enrolment=language, actor=staff)
    technical.refresh_from_db()
    assert technical.status == EnrolmentStatus.PLANNED
    notification = Notification.objects.filter(context__phase_passed=True).get()
    assert notification.context["next_phase_title"] == "Pelatihan teknik"
    assert notification.context["next_starts_on"] == ""
    services.enrolment_choose_field(enrolment=technical, field=StudyField.CONSTRUCTION, actor=staff)
    services.enrolment_start(enrolment=technical, actor=staff)
    technical.refresh_from_db()
    assert (technical.status, technical.field_of_study) == (EnrolmentStatus.IN_PROGRESS, "construction")


def test_passing_the_last_phase_names_no_next_phase(trained):
    language, technical = phases_of(trained)
    assert (language.status, technical.status) == (EnrolmentStatus.PASSED, EnrolmentStatus.PASSED)
    assert trained.stage == Stage.IN_TRAINING
    last = Notification.objects.filter(context__enrolment_id=technical.pk, context__phase_passed=True).get()
    assert (last.context["next_phase_title"], last.context["next_starts_on"]) == ("", "")


@pytest.mark.parametrize("status", [EnrolmentStatus.PLANNED, EnrolmentStatus.PASSED, EnrolmentStatus.FAILED])
def test_only_a_phase_in_progress_can_be_passed(worker, staff, status):
    language, _technical = phases_of(worker)
    Enrolment.objects.filter(pk=language.pk).update(status=status, outcome_reason="x")
    error = refused(Conflict, services.enrolment_pass, enrolment=language, actor=staff)
    assert error.code == "phase_not_in_progress"
    assert error.message == (
        f"This phase is “{EnrolmentStatus(status).label}”; only a phase in progress can be passed."
    )


def test_an_unknown_language_level_at_passing_is_refused(in_progress, staff):
    make_passable(in_progress, staff)
    error = refused(
        DomainError, services.enrolment_pass, enrolment=in_progress, actor=staff, language_level="fluent"
    )
    assert error.fields == {"language_level": ["Choose a language level from the list."]}
    in_progress.refresh_from_db()
    assert in_progress.status == EnrolmentStatus.IN_PROGRESS


# --- Ending early -------------------------------------------------------------------------


def test_a_failed_phase_discontinues_the_worker_and_frees_the_seat(worker, staff, tracks):
    language, technical = phases_of(worker)
    start(language, staff)
    track = PlacementTrack.objects.get(pk=worker.track_id)
    assert track.seats_taken == 1
    ended = services.enrolment_end_early(
        enrolment=language, actor=staff, status=EnrolmentStatus.FAILED, reason="  Tidak lulus ujian akhir  "
    )
    ended.refresh_from_db()
    assert (ended.status, ended.outcome_reason, ended.decided_by) == (
        EnrolmentStatus.FAILED,
        "Tidak lulus ujian akhir",
        staff,
    )
    technical.refresh_from_db()
    assert technical.status == EnrolmentStatus.DISCONTINUED
    assert technical.outcome_reason == "Training ended: Tidak lulus ujian akhir"
    worker.refresh_from_db()
    assert worker.stage == Stage.DISCONTINUED
    event = ApplicationEvent.objects.filter(application=worker).latest("id")
    assert (event.from_stage, event.to_stage) == (Stage.IN_TRAINING, Stage.DISCONTINUED)
    assert event.reason == "Bahasa Rusia: Failed. Tidak lulus ujian akhir"
    assert event.data == {"enrolment": language.pk, "status": "failed"}
    track.refresh_from_db()
    assert track.seats_taken == 0


def test_the_freed_seat_goes_to_the_waiting_list(worker, staff, program):
    waiting = application_at(
        Stage.WAITLISTED, program=program, track=PlacementTrack.objects.get(pk=worker.track_id)
    )
    language, _technical = phases_of(worker)
    start(language, staff)
    services.enrolment_end_early(enrolment=language, actor=staff, status="discontinued", reason="Sakit")
    waiting.refresh_from_db()
    assert (waiting.stage, waiting.track_id) == (Stage.OFFERED, worker.track_id)


def test_discontinuing_before_training_starts_moves_the_worker_through_training(worker, staff):
    language, _technical = phases_of(worker)
    services.enrolment_end_early(
        enrolment=language, actor=staff, status="discontinued", reason="Mengundurkan diri"
    )
    worker.refresh_from_db()
    assert worker.stage == Stage.DISCONTINUED
    moves = list(
        ApplicationEvent.objects.filter(application=worker).order_by("id").values_list("to_stage", flat=True)
    )
    assert moves[-2:] == [Stage.IN_TRAINING, Stage.DISCONTINUED]
    assert {e.status for e in phases_of(worker)} == {EnrolmentStatus.DISCONTINUED}


def test_a_failed_second_phase_keeps_the_first_passed(worker, staff):
    language, technical = phases_of(worker)
    start(language, staff)
    services.enrolment_choose_field(enrolment=technical, field=StudyField.MACHINERY, actor=staff)
    make_passable(language, staff)
    services.enrolment_pass(enrolment=language, actor=staff)
    services.enrolment_end_early(enrolment=technical, actor=staff, status="failed", reason="Kehadiran kurang")
    assert [e.status for e in phases_of(worker)] == [EnrolmentStatus.PASSED, EnrolmentStatus.FAILED]
    worker.refresh_from_db()
    assert worker.stage == Stage.DISCONTINUED


def test_ending_a_later_phase_leaves_no_phase_in_progress(worker, staff):
    language, technical = phases_of(worker)
    start(language, staff)
    services.enrolment_end_early(
        enrolment=technical, actor=staff, status="discontinued", reason="Pindah program"
    )
    worker.refresh_from_db()
    assert worker.stage == Stage.DISCONTINUED
    assert not Enrolment.objects.filter(application=worker, status=EnrolmentStatus.IN_PROGRESS).exists()
    language.refresh_from_db()
    assert language.status == EnrolmentStatus.DISCONTINUED
    assert "Pindah program" in language.outcome_reason
    assert language.decided_by == staff


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_an_early_end_needs_a_reason(in_progress, staff, reason):
    error = refused(
        DomainError,
        services.enrolment_end_early,
        enrolment=in_progress,
        actor=staff,
        status="failed",
        reason=reason,
    )
    assert error.fields == {"reason": ["Give a reason."]}
    in_progress.refresh_from_db()
    assert in_progress.status == EnrolmentStatus.IN_PROGRESS


@pytest.mark.parametrize("status", ["passed", "planned", "in_progress", "gone"])
def test_an_early_end_is_failed_or_discontinued(in_progress, staff, status):
    error = refused(
        DomainError,
        services.enrolment_end_early,
        enrolment=in_progress,
        actor=staff,
        status=status,
        reason="x",
    )
    assert error.fields == {"status": ["Choose failed or discontinued."]}


def test_a_planned_phase_cannot_be_failed(worker, staff):
    language, _technical = phases_of(worker)
    error = refused(
        Conflict, services.enrolment_end_early, enrolment=language, actor=staff, status="failed", reason="x"
    )
    assert error.code == "phase_finished"
    assert error.message == "This phase is “Planned” and cannot be marked “Failed”."


def test_a_passed_phase_cannot_be_discontinued(trained, staff):
    language, _technical = phases_of(trained)
    error = refused(
        Conflict,
        services.enrolment_end_early,
        enrolment=language,
        actor=staff,
        status="discontinued",
        reason="x",
    )
    assert error.code == "phase_finished"
    assert error.message == "This phase is “Passed” and cannot be marked “Discontinued”."
    trained.refresh_from_db()
    assert trained.stage == Stage.IN_TRAINING


# --- Certificates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "mime"),
    [(pdf_bytes(), "application/pdf"), (png_bytes(), "image/png"), (jpeg_bytes(), "image/jpeg")],
    ids=["pdf", "png", "jpeg"],
)
def test_a_certificate_is_stored_with_its_real_file_type(in_progress, partner_user, content, mime):
    certificate = services.certificate_add(
        enrolment=in_progress,
        actor=partner_user,
        issuer=" BPSDMI ",
        number=" TRKI-1/2026/0042 ",
        issued_on=timezone.localdate(),
        upload=upload("scan.bin", content),
    )
    certificate.refresh_from_db()
    assert (certificate.issuer, certificate.number, certificate.content_type) == (
        "BPSDMI",
        "TRKI-1/2026/0042",
        mime,
    )
    assert certificate.recorded_by == partner_user
    assert certificate.file.name.startswith("certificates/")
    assert "scan" not in certificate.file.name
    with certificate.file.open("rb") as stored:
        assert stored.read() == content


def test_a_certificate_without_a_scan_is_recorded(in_progress, staff):
    certificate = services.certificate_add(
        enrolment=in_progress, actor=staff, issuer="BPSDMI", number="1", issued_on=timezone.localdate()
    )
    assert not certificate.file
    assert certificate.content_type == ""


@pytest.mark.parametrize(
    "content",
    [b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", b"PK\x03\x04 not a certificate", b"just some text"],
    ids=["gif", "zip", "text"],
)
def test_a_certificate_scan_that_is_not_pdf_jpeg_or_png_is_refused(
    in_progress, staff, content, private_media
):
    error = refused(
        DomainError,
        services.certificate_add,
        enrolment=in_progress,
        actor=staff,
        issuer="BPSDMI",
        number="42",
        issued_on=timezone.localdate(),
        upload=upload("sertifikat.pdf", content, "application/pdf"),
    )
    assert error.code == "file_type_not_allowed"
    assert error.message == (
        "This file is not a PDF, JPEG or PNG document (whatever its name says). "
        "Scan or photograph the document and upload it as PDF, JPEG, PNG."
    )
    assert error.fields == {"file": [error.message]}
    assert not Certificate.objects.exists()
    assert not (private_media / "certificates").exists() or not any(
        (private_media / "certificates").iterdir()
    )


def test_an_empty_certificate_scan_is_refused(in_progress, staff):
    error = refused(
        DomainError,
        services.certificate_add,
        enrolment=in_progress,
        actor=staff,
        issuer="BPSDMI",
        number="42",
        issued_on=timezone.localdate(),
        upload=upload("kosong.pdf", b""),
    )
    assert error.code == "empty_file"


def test_a_certificate_number_is_unique_per_issuer(in_progress, staff, private_media):
    today = timezone.localdate()
    services.certificate_add(
        enrolment=in_progress,
        actor=staff,
        issuer="BPSDMI",
        number="42",
        issued_on=today,
        upload=upload("a", pdf_bytes()),
    )
    error = refused(
        Conflict,
        services.certificate_add,
        enrolment=in_progress,
        actor=staff,
        issuer="BPSDMI",
        number="42",
        issued_on=today,
        upload=upload("b", png_bytes()),
    )
    assert error.code == "duplicate_certificate"
    assert error.message == "This issuer's certificate with this number is already recorded."
    assert Certificate.objects.count() == 1
    # The refused scan is not left behind.
    assert len(list((private_media / "certificates").iterdir())) == 1
    # Another issuer may use the same number.
    services.certificate_add(enrolment=in_progress, actor=staff, issuer="RUSAL", number="42", issued_on=today)
    assert Certificate.objects.count() == 2


def test_a_certificate_needs_issuer_number_and_a_past_date(in_progress, staff):
    error = refused(
        DomainError,
        services.certificate_add,
        enrolment=in_progress,
        actor=staff,
        issuer=" ",
        number="",
        issued_on=timezone.localdate() + DAY,
    )
    assert (error.code, error.message) == ("invalid", "Please correct the marked fields.")
    assert error.fields == {
        "issuer": ["Name the issuer."],
        "number": ["Give the certificate number."],
        "issued_on": ["Give the date of issue; it cannot be in the future."],
    }


# --- Who may act --------------------------------------------------------------------------


def _training_calls(enrolment):
    today = timezone.localdate()
    return {
        "start": (services.enrolment_start, {"enrolment": enrolment}),
        "progress": (services.enrolment_record_progress, {"enrolment": enrolment, "attendance": 90}),
        "assessment": (
            services.assessment_record,
            {"enrolment": enrolment, "taken_on": today, "kind": "test", "score": 70, "pass_mark": 60},
        ),
        "pass": (services.enrolment_pass, {"enrolment": enrolment}),
        "end": (services.enrolment_end_early, {"enrolment": enrolment, "status": "failed", "reason": "x"}),
        "certificate": (
            services.certificate_add,
            {"enrolment": enrolment, "issuer": "X", "number": "1", "issued_on": today},
        ),
    }


@pytest.mark.parametrize("call", ["start", "progress", "assessment", "pass", "end", "certificate"])
def test_a_partner_of_another_programme_gets_not_found(worker, staff, other_partner_user, call):
    language, _technical = phases_of(worker)
    if call != "start":
        start(language, staff)
    function, kwargs = _training_calls(language)[call]
    error = refused(NotFound, function, actor=other_partner_user, **kwargs)
    assert (error.code, error.message) == ("not_found", "Enrolment not found.")
    assert not Assessment.objects.exists()
    assert not Certificate.objects.exists()


@pytest.mark.parametrize("call", ["start", "progress", "assessment", "pass", "end", "certificate"])
def test_a_candidate_gets_not_found(worker, staff, call):
    language, _technical = phases_of(worker)
    if call != "start":
        start(language, staff)
    function, kwargs = _training_calls(language)[call]
    error = refused(NotFound, function, actor=worker.candidate.user, **kwargs)
    assert error.code == "not_found"


def test_a_supporting_training_institution_records_progress_assessments_and_certificates(
    in_progress, trainer_user
):
    services.enrolment_record_progress(enrolment=in_progress, actor=trainer_user, attendance=91)
    assessment = services.assessment_record(
        enrolment=in_progress,
        actor=trainer_user,
        taken_on=timezone.localdate(),
        kind="final",
        score=88,
        pass_mark=60,
    )
    assert assessment.recorded_by == trainer_user
    services.certificate_add(
        enrolment=in_progress, actor=trainer_user, issuer="BPSDMI", number="7", issued_on=timezone.localdate()
    )
    passed = services.enrolment_pass(enrolment=in_progress, actor=trainer_user)
    assert passed.decided_by == trainer_user


TRAINER_REFUSAL = "Only the ministry or the employer can start a worker's training or end it."


def test_a_supporting_training_institution_cannot_put_the_worker_in_training(worker, trainer_user):
    language, _technical = phases_of(worker)
    error = refused(DomainError, services.enrolment_start, enrolment=language, actor=trainer_user)
    assert (error.code, error.message) == ("forbidden", TRAINER_REFUSAL)
    language.refresh_from_db()
    assert language.status == EnrolmentStatus.PLANNED
    assert Application.objects.get(pk=worker.pk).stage == Stage.ACCEPTED


@pytest.mark.parametrize("status", ["failed", "discontinued"])
def test_a_supporting_training_institution_cannot_end_a_phase(worker, staff, trainer_user, status):
    language, _technical = phases_of(worker)
    start(language, staff)
    error = refused(
        DomainError,
        services.enrolment_end_early,
        enrolment=language,
        actor=trainer_user,
        status=status,
        reason="Tidak lulus",
    )
    assert (error.code, error.message) == ("forbidden", TRAINER_REFUSAL)
    assert [e.status for e in phases_of(worker)] == [EnrolmentStatus.IN_PROGRESS, EnrolmentStatus.PLANNED]
    assert Application.objects.get(pk=worker.pk).stage == Stage.IN_TRAINING


def test_a_supporting_training_institution_starts_a_later_phase(worker, staff, trainer_user):
    """Once the worker is in training, starting the next phase moves no stage."""
    language, technical = phases_of(worker)
    start(language, staff)
    make_passable(language, staff)
    services.enrolment_pass(enrolment=language, actor=trainer_user)  # technical waits for its field
    services.enrolment_choose_field(enrolment=technical, field=StudyField.TRANSPORT, actor=staff)
    started = services.enrolment_start(enrolment=technical, actor=trainer_user)
    assert started.status == EnrolmentStatus.IN_PROGRESS


def test_a_supporting_institution_of_another_programme_gets_not_found(worker, staff, other_program):
    from tests.accounts.factories import PartnerUserFactory
    from tests.programs.factories import PartnerFactory

    institution = PartnerFactory(name="LPK Lain")
    other_program.supporting_partners.add(institution)
    language, _technical = phases_of(worker)
    start(language, staff)
    error = refused(
        NotFound,
        services.enrolment_record_progress,
        enrolment=language,
        actor=PartnerUserFactory(partner=institution),
        attendance=90,
    )
    assert error.message == "Enrolment not found."


def test_the_system_may_record_progress(in_progress):
    services.enrolment_record_progress(enrolment=in_progress, actor=None, attendance=90)
    in_progress.refresh_from_db()
    assert in_progress.attendance == Decimal("90.00")


def test_an_enrolment_is_once_per_phase(worker):
    language, _technical = phases_of(worker)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            application=worker, phase=language.phase, starts_on=language.starts_on, ends_on=language.ends_on
        )
