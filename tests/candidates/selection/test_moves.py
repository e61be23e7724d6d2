"""What a move needs besides the table: reasons, interview details, verified documents, scope."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from candidates import services
from candidates.models import Application, Document, DocumentStatus, Interview, Stage
from p2mi_portal.errors import Conflict, DomainError, NotFound
from tests.candidates.factories import CandidateFactory, application_at


def _slot(**overrides):
    values = {
        "starts_at": timezone.now() + datetime.timedelta(days=3),
        "place": "BP3MI Jakarta, Jl. Pengadegan",
        "online_link": "",
        "interviewer": "Ibu Sari (RUSAL)",
    }
    values.update(overrides)
    return services.InterviewSlot(**values)


def test_a_refused_move_names_the_current_stage_and_the_allowed_moves(program, staff):
    application = application_at(Stage.SCREENING, program=program)
    with translation.override("en"), pytest.raises(Conflict) as refused:
        services.application_move(application=application, to_stage=Stage.OFFERED, actor=staff)
    assert refused.value.code == "move_not_allowed"
    assert str(refused.value.message) == (
        "This application is at “Screening” and cannot move to “Offered a seat”. "
        "Allowed: Documents verified, Not eligible, Rejected."
    )
    with translation.override("id"), pytest.raises(Conflict) as refused:
        services.application_move(application=application, to_stage=Stage.OFFERED, actor=staff)
    message = str(refused.value.message)
    assert "Screening" not in message and "Offered" not in message


def test_an_unknown_stage_is_bad_input_not_a_crash(program, staff):
    application = application_at(Stage.SCREENING, program=program)
    with pytest.raises(DomainError) as refused:
        services.application_move(application=application, to_stage="hired", actor=staff)
    assert refused.value.code == "invalid_stage"


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (Stage.INTERVIEWED, Stage.REJECTED),
        (Stage.REJECTED, Stage.SCREENING),
        (Stage.SCREENING, Stage.INELIGIBLE),
    ],
)
def test_moves_that_need_a_reason_refuse_a_blank_one(program, staff, source, target):
    application = application_at(source, program=program)
    with pytest.raises(DomainError) as refused:
        services.application_move(application=application, to_stage=target, actor=staff, reason="   ")
    assert refused.value.code == "reason_required"
    assert "reason" in refused.value.fields
    application.refresh_from_db()
    assert application.stage == source
    assert application.events.count() == 0


def test_reopening_a_rejected_application_is_for_staff_only(program, staff, partner_user):
    application = application_at(Stage.REJECTED, program=program)
    with pytest.raises(Conflict):
        services.application_move(
            application=application, to_stage=Stage.SCREENING, actor=partner_user, reason="Salah pilih"
        )
    services.application_move(
        application=application, to_stage=Stage.SCREENING, actor=staff, reason="Salah input"
    )
    application.refresh_from_db()
    assert application.stage == Stage.SCREENING
    assert application.events.get().reason == "Salah input"


def test_documents_are_verified_only_when_every_required_one_is(program, staff):
    application = application_at(Stage.SCREENING, program=program)
    Document.objects.filter(candidate=application.candidate, kind="photo").update(
        status=DocumentStatus.PENDING
    )
    with translation.override("en"), pytest.raises(Conflict) as refused:
        services.application_move(application=application, to_stage=Stage.DOCUMENTS_VERIFIED, actor=staff)
    assert refused.value.code == "documents_not_verified"
    assert "Photo" in str(refused.value.message)
    assert "Diploma" not in str(refused.value.message)
    Document.objects.filter(candidate=application.candidate).update(status=DocumentStatus.VERIFIED)
    services.application_move(application=application, to_stage=Stage.DOCUMENTS_VERIFIED, actor=staff)
    application.refresh_from_db()
    assert application.stage == Stage.DOCUMENTS_VERIFIED


def test_scheduling_an_interview_records_the_slot_and_rescheduling_keeps_the_history(program, staff):
    application = application_at(Stage.SHORTLISTED, program=program)
    first = _slot()
    services.application_move(
        application=application, to_stage=Stage.INTERVIEW_SCHEDULED, actor=staff, interview=first
    )
    interview = Interview.objects.get(application=application)
    assert (interview.starts_at, interview.place, interview.interviewer, interview.scheduled_by) == (
        first.starts_at,
        first.place,
        first.interviewer,
        staff,
    )
    second = _slot(
        starts_at=first.starts_at + datetime.timedelta(days=1),
        place="",
        online_link="https://meet.example/abc",
    )
    services.application_move(
        application=application,
        to_stage=Stage.INTERVIEW_SCHEDULED,
        actor=staff,
        interview=second,
        reason="Pewawancara sakit",
    )
    interview.refresh_from_db()
    assert (interview.starts_at, interview.place, interview.online_link) == (
        second.starts_at,
        "",
        "https://meet.example/abc",
    )
    slots = [event.data["interview"]["starts_at"] for event in application.events.order_by("id")]
    assert slots == [first.starts_at.isoformat(), second.starts_at.isoformat()]


@pytest.mark.parametrize(
    ("slot", "field"),
    [
        (None, "interview"),
        (_slot(starts_at=timezone.now() - datetime.timedelta(hours=1)), "interview.starts_at"),
        (_slot(place="", online_link=""), "interview.place"),
        (_slot(interviewer=" "), "interview.interviewer"),
    ],
)
def test_an_interview_needs_a_future_time_a_place_or_link_and_an_interviewer(program, staff, slot, field):
    application = application_at(Stage.SHORTLISTED, program=program)
    with pytest.raises(DomainError) as refused:
        services.application_move(
            application=application, to_stage=Stage.INTERVIEW_SCHEDULED, actor=staff, interview=slot
        )
    assert field in refused.value.fields
    assert not Interview.objects.exists()
    application.refresh_from_db()
    assert application.stage == Stage.SHORTLISTED


def test_a_track_is_only_chosen_for_offers_and_the_waiting_list(program, tracks, staff):
    application = application_at(Stage.DOCUMENTS_VERIFIED, program=program)
    with pytest.raises(DomainError) as refused:
        services.application_move(
            application=application, to_stage=Stage.SHORTLISTED, actor=staff, track=tracks[1]
        )
    assert "track" in refused.value.fields


def test_waitlisting_records_the_track(program, tracks, staff):
    application = application_at(Stage.INTERVIEWED, program=program)
    services.application_move(
        application=application, to_stage=Stage.WAITLISTED, actor=staff, track=tracks[1]
    )
    application.refresh_from_db()
    assert application.track == tracks[1]
    assert (tracks[1].seats_reserved, tracks[1].seats_taken) == (0, 0)


def test_screening_stops_an_ineligible_application_with_the_unmet_rules(program, staff):
    eligible = application_at(Stage.SUBMITTED, program=program)
    too_old = application_at(
        Stage.SUBMITTED, program=program, candidate=CandidateFactory(graduation_year=2015)
    )
    services.application_screen(application=eligible, actor=staff)
    services.application_screen(application=too_old, actor=staff)
    eligible.refresh_from_db()
    too_old.refresh_from_db()
    assert eligible.stage == Stage.SCREENING
    assert too_old.stage == Stage.INELIGIBLE
    event = too_old.events.order_by("-id").first()
    assert (event.from_stage, event.to_stage) == (Stage.SCREENING, Stage.INELIGIBLE)
    assert "2015" in event.reason or "2023" in event.reason
    assert event.data["unmet_rules"]


def test_a_partner_moves_only_its_own_programmes_from_verified_documents_on(
    program, partner_user, other_partner_user
):
    visible = application_at(Stage.DOCUMENTS_VERIFIED, program=program)
    with pytest.raises(NotFound):
        services.application_move(application=visible, to_stage=Stage.SHORTLISTED, actor=other_partner_user)
    services.application_move(application=visible, to_stage=Stage.SHORTLISTED, actor=partner_user)
    early = application_at(Stage.SCREENING, program=program)
    with pytest.raises(NotFound):
        services.application_move(application=early, to_stage=Stage.REJECTED, actor=partner_user, reason="x")


def test_a_candidate_moves_only_their_own_application(program):
    mine = application_at(Stage.OFFERED, program=program)
    theirs = application_at(Stage.OFFERED, program=program)
    with pytest.raises(NotFound):
        services.application_answer_offer(application=theirs, actor=mine.candidate.user, accept=True)
    assert Application.objects.get(pk=theirs.pk).stage == Stage.OFFERED


def test_a_bulk_move_reports_each_application(program, staff):
    movable = application_at(Stage.DOCUMENTS_VERIFIED, program=program)
    stuck = application_at(Stage.SHORTLISTED, program=program)
    finished = application_at(Stage.WITHDRAWN, program=program)
    outcome = services.application_bulk_move(
        applications=[movable, stuck, finished], to_stage=None, actor=staff
    )
    assert [(a.pk, stage) for a, stage in outcome.moved] == [(movable.pk, Stage.SHORTLISTED)]
    assert [a.pk for a, _message in outcome.refused] == [stuck.pk, finished.pk]
    assert all(message for _a, message in outcome.refused)
