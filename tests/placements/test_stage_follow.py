"""Training and placement records follow the application's stage.

Leaving the path (rejected, withdrawn, …) closes the open phases and a placement not yet
under way, in the same transaction as the move; and no record changes while the
application is at a stage the record does not belong to (``wrong_stage``, 409 in the API).
"""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from candidates import services as candidate_services
from candidates.models import Application, Stage
from candidates.services import InterviewSlot
from p2mi_portal.errors import Conflict, DomainError
from placements import services
from placements.models import (
    Assessment,
    Enrolment,
    EnrolmentStatus,
    GradeChange,
    Placement,
    PlacementEvent,
    PlacementStatus,
)
from programs.models import StudyField

from .conftest import accept, confirm_all, error_of, phases_of, start

pytestmark = pytest.mark.django_db


def statuses(application) -> list[str]:
    return [enrolment.status for enrolment in phases_of(application)]


def left_at(application, stage: str) -> None:
    """The application at ``stage`` while its records stay as they are: what the stage service
    left behind before it closed records on leaving (or a row edited by hand)."""
    Application.objects.filter(pk=application.pk).update(stage=stage)
    application.refresh_from_db()


# --- Leaving the path closes the records --------------------------------------------------


def test_rejecting_an_accepted_worker_discontinues_the_planned_phases_with_the_reason(worker, staff):
    assert statuses(worker) == [EnrolmentStatus.PLANNED, EnrolmentStatus.PLANNED]

    candidate_services.application_move(
        application=worker, to_stage=Stage.REJECTED, actor=staff, reason="Gagal tes kesehatan."
    )

    enrolments = phases_of(worker)
    assert [e.status for e in enrolments] == [EnrolmentStatus.DISCONTINUED] * 2
    assert {e.outcome_reason for e in enrolments} == {"Application “Rejected”: Gagal tes kesehatan."}
    assert {e.decided_by_id for e in enrolments} == {staff.pk}
    assert all(e.decided_at is not None for e in enrolments)


def test_a_withdrawal_without_a_reason_names_the_stage(worker):
    candidate_services.application_withdraw(application=worker, actor=worker.candidate.user)

    enrolments = phases_of(worker)
    assert [e.status for e in enrolments] == [EnrolmentStatus.DISCONTINUED] * 2
    assert {e.outcome_reason for e in enrolments} == {"Application “Withdrawn”."}
    assert {e.decided_by_id for e in enrolments} == {worker.candidate.user_id}


def test_the_move_and_the_closing_are_one_transaction(worker, staff, monkeypatch):
    def broken(**kwargs):
        raise DomainError("closing failed", code="broken")

    monkeypatch.setattr(services, "records_close", broken)

    with pytest.raises(DomainError):
        candidate_services.application_move(
            application=worker, to_stage=Stage.REJECTED, actor=staff, reason="Tidak hadir."
        )

    worker.refresh_from_db()
    assert worker.stage == Stage.ACCEPTED
    assert not worker.events.filter(to_stage=Stage.REJECTED).exists()
    assert statuses(worker) == [EnrolmentStatus.PLANNED, EnrolmentStatus.PLANNED]


def test_a_reopened_and_accepted_again_application_is_planned_afresh(worker, staff, tracks):
    candidate_services.application_move(
        application=worker, to_stage=Stage.REJECTED, actor=staff, reason="Salah input."
    )
    for to_stage, extra in (
        (Stage.SCREENING, {"reason": "Dibuka kembali."}),
        (Stage.DOCUMENTS_VERIFIED, {}),
        (Stage.SHORTLISTED, {}),
        (
            Stage.INTERVIEW_SCHEDULED,
            {
                "interview": InterviewSlot(
                    starts_at=timezone.now() + datetime.timedelta(days=2),
                    interviewer="Ibu Sari",
                    place="Kantor KP2MI",
                )
            },
        ),
        (Stage.INTERVIEWED, {}),
        (Stage.OFFERED, {"track": tracks[0]}),
    ):
        candidate_services.application_move(application=worker, to_stage=to_stage, actor=staff, **extra)
    candidate_services.application_answer_offer(application=worker, actor=worker.candidate.user, accept=True)

    enrolments = phases_of(worker)
    assert [e.status for e in enrolments] == [EnrolmentStatus.PLANNED] * 2
    assert {e.outcome_reason for e in enrolments} == {""}
    assert {e.decided_at for e in enrolments} == {None}
    assert enrolments[0].ends_on == enrolments[1].starts_on
    # And training can start again.
    services.enrolment_start(enrolment=enrolments[0], actor=staff)
    worker.refresh_from_db()
    assert worker.stage == Stage.IN_TRAINING


def test_closing_ends_a_placement_not_yet_under_way_once(placement, staff):
    services.records_close(application=placement.application, actor=staff, reason="Visa ditolak.")
    services.records_close(application=placement.application, actor=staff, reason="Visa ditolak.")

    placement.refresh_from_db()
    assert placement.status == PlacementStatus.TERMINATED
    assert placement.status_reason == "Application “Placed under contract”: Visa ditolak."
    events = list(PlacementEvent.objects.filter(placement=placement, to_status=PlacementStatus.TERMINATED))
    assert [(e.from_status, e.actor_id, e.on_date) for e in events] == [
        (PlacementStatus.PLANNED, staff.pk, timezone.localdate())
    ]


def test_closing_leaves_a_placement_abroad_and_finished_phases_alone(working, staff):
    before = statuses(working.application)

    services.records_close(application=working.application, actor=staff, reason="x")

    working.refresh_from_db()
    assert working.status == PlacementStatus.WORKING
    assert statuses(working.application) == before == [EnrolmentStatus.PASSED] * 2


def test_an_early_end_through_training_closes_nothing_twice(worker, staff):
    language, _technical = phases_of(worker)
    start(language, staff)

    services.enrolment_end_early(
        enrolment=language, actor=staff, status=EnrolmentStatus.FAILED, reason="Nilai akhir kurang."
    )

    language, technical = phases_of(worker)
    assert (language.status, technical.status) == (EnrolmentStatus.FAILED, EnrolmentStatus.DISCONTINUED)
    assert language.outcome_reason == "Nilai akhir kurang."
    assert technical.outcome_reason == "Training ended: Nilai akhir kurang."


def test_staff_rejecting_in_the_admin_closes_the_phases(client, worker, staff):
    client.force_login(staff)
    with translation.override("en"):
        url = reverse("admin:candidates_application_move", args=[worker.pk])
    data = {
        "to_stage": Stage.REJECTED,
        "reason": "Dokumen palsu.",
        "track": "",
        "offer_deadline": "",
        "interview_starts_at": "",
        "interview_place": "",
        "interview_online_link": "",
        "interviewer": "",
    }

    response = client.post(url, data)

    assert response.status_code == 302, response.content[:500]
    worker.refresh_from_db()
    assert worker.stage == Stage.REJECTED
    assert statuses(worker) == [EnrolmentStatus.DISCONTINUED] * 2
    assert phases_of(worker)[0].outcome_reason == "Application “Rejected”: Dokumen palsu."


def test_a_candidate_withdrawing_on_the_site_closes_the_phases(client, worker):
    client.force_login(worker.candidate.user)
    with translation.override("en"):
        url = reverse("candidates:withdraw", args=[worker.pk])

    client.post(url, {"reason": "Diterima kerja di Batam"})

    worker.refresh_from_db()
    assert worker.stage == Stage.WITHDRAWN
    assert statuses(worker) == [EnrolmentStatus.DISCONTINUED] * 2


def test_the_employer_rejecting_through_the_api_closes_the_phases(worker, employer_api):
    response = employer_api.post(
        reverse("api:application-transition", args=[worker.pk]),
        {"to": "rejected", "reason": "Tidak lolos tes kesehatan."},
        format="json",
    )

    assert response.status_code == 200, response.content[:500]
    assert statuses(worker) == [EnrolmentStatus.DISCONTINUED] * 2
    language, _technical = phases_of(worker)
    # The phase is closed: no result can be posted on it any more.
    error = error_of(
        employer_api.post(
            f"/api/v1/enrolments/{language.pk}/assessments/",
            {"taken_on": timezone.localdate().isoformat(), "kind": "test", "score": 80, "pass_mark": 60},
            format="json",
        ),
        409,
    )
    assert error["code"] == "phase_not_in_progress"


# --- Writes at the wrong stage ------------------------------------------------------------


WRONG_FOR_TRAINING = (
    "The worker's application is at “Rejected”, so this record cannot change; "
    "it changes only at “In training”."
)


@pytest.fixture
def in_progress(worker, staff):
    language, _technical = phases_of(worker)
    return start(language, staff)


@pytest.mark.parametrize(
    "write",
    [
        lambda e, actor: services.enrolment_record_progress(enrolment=e, actor=actor, attendance="90"),
        lambda e, actor: services.assessment_record(
            enrolment=e, actor=actor, taken_on=timezone.localdate(), kind="final", score=80, pass_mark=60
        ),
        lambda e, actor: services.enrolment_pass(enrolment=e, actor=actor),
    ],
    ids=["progress", "assessment", "pass"],
)
def test_results_of_a_phase_are_refused_once_the_application_left_training(in_progress, staff, write):
    services.enrolment_record_progress(enrolment=in_progress, actor=staff, attendance="95")
    left_at(in_progress.application, Stage.REJECTED)

    with pytest.raises(Conflict) as caught:
        write(in_progress, staff)

    assert caught.value.code == "wrong_stage"
    assert str(caught.value.message) == WRONG_FOR_TRAINING
    in_progress.refresh_from_db()
    assert in_progress.status == EnrolmentStatus.IN_PROGRESS
    assert in_progress.attendance == 95
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    "write",
    [
        lambda e, actor: services.enrolment_start(enrolment=e, actor=actor),
        lambda e, actor: services.enrolment_end_early(
            enrolment=e, actor=actor, status=EnrolmentStatus.DISCONTINUED, reason="x"
        ),
    ],
    ids=["start", "discontinue"],
)
def test_a_planned_phase_does_not_move_once_the_application_left(worker, staff, write):
    language, _technical = phases_of(worker)
    left_at(worker, Stage.WITHDRAWN)

    with pytest.raises(Conflict) as caught:
        write(language, staff)

    assert caught.value.code == "wrong_stage"
    assert str(caught.value.message) == (
        "The worker's application is at “Withdrawn”, so this record cannot change; "
        "it changes only at “Accepted”, “In training”."
    )
    language.refresh_from_db()
    assert language.status == EnrolmentStatus.PLANNED
    worker.refresh_from_db()
    assert worker.stage == Stage.WITHDRAWN
    assert not worker.events.filter(to_stage__in=[Stage.IN_TRAINING, Stage.DISCONTINUED]).exists()


def test_the_field_of_study_is_not_chosen_once_the_application_left(worker, staff):
    _language, technical = phases_of(worker)
    left_at(worker, Stage.REJECTED)

    with pytest.raises(Conflict) as caught:
        services.enrolment_choose_field(enrolment=technical, field=StudyField.MACHINERY, actor=staff)

    assert caught.value.code == "wrong_stage"
    technical.refresh_from_db()
    assert technical.field_of_study == ""


def test_a_certificate_is_refused_before_training_started(worker, staff):
    language, _technical = phases_of(worker)

    with pytest.raises(Conflict) as caught:
        services.certificate_add(
            enrolment=language,
            actor=staff,
            issuer="ТРКИ",
            number="A-1",
            issued_on=timezone.localdate(),
            upload=SimpleUploadedFile("c.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
        )

    assert caught.value.code == "wrong_stage"
    assert "“Accepted”" in str(caught.value.message)
    assert not language.certificates.exists()


def test_a_certificate_may_follow_once_the_worker_is_placed(placement, staff):
    language, _technical = phases_of(placement.application)

    certificate = services.certificate_add(
        enrolment=language, actor=staff, issuer="ТРКИ", number="B-2", issued_on=timezone.localdate()
    )

    assert certificate.enrolment_id == language.pk


WRONG_FOR_PLACEMENT = (
    "The worker's application is at “Withdrawn”, so this record cannot change; "
    "it changes only at “Placed under contract”."
)


def test_placement_writes_are_refused_at_another_stage(placement, staff):
    confirm_all(placement, staff)
    item = placement.checklist.first()
    left_at(placement.application, Stage.WITHDRAWN)

    calls = {
        "status": lambda: services.placement_change_status(
            placement=placement, to_status=PlacementStatus.PRE_DEPARTURE, actor=staff
        ),
        "grade": lambda: services.placement_change_grade(
            placement=placement, to_grade=1, effective_on=placement.contract_starts, actor=staff
        ),
        "checklist_reopen": lambda: services.checklist_reopen(item=item, actor=staff, note="Visa ditolak."),
        "checklist_confirm": lambda: services.checklist_confirm(item=item, actor=staff),
    }
    for name, call in calls.items():
        with pytest.raises(Conflict) as caught:
            call()
        assert (name, caught.value.code) == (name, "wrong_stage")
        assert str(caught.value.message) == WRONG_FOR_PLACEMENT

    placement.refresh_from_db()
    assert placement.status == PlacementStatus.PLANNED
    assert placement.grade is None
    assert not GradeChange.objects.exists()
    item.refresh_from_db()
    assert item.confirmed_on is not None


# --- The same refusals through the partner API ------------------------------------------


def test_api_assessment_at_the_wrong_stage_is_409_wrong_stage(in_progress, employer_api):
    left_at(in_progress.application, Stage.REJECTED)

    error = error_of(
        employer_api.post(
            f"/api/v1/enrolments/{in_progress.pk}/assessments/",
            {"taken_on": timezone.localdate().isoformat(), "kind": "test", "score": 80, "pass_mark": 60},
            format="json",
        ),
        409,
    )

    assert error == {"code": "wrong_stage", "message": WRONG_FOR_TRAINING, "fields": {}}
    assert not Assessment.objects.exists()


def test_api_wrong_stage_answers_in_the_requested_language(in_progress, employer_key):
    from .conftest import key_client

    left_at(in_progress.application, Stage.REJECTED)
    client = key_client(employer_key[1], "id")

    error = error_of(
        client.post(
            f"/api/v1/enrolments/{in_progress.pk}/assessments/",
            {"taken_on": timezone.localdate().isoformat(), "kind": "test", "score": 80, "pass_mark": 60},
            format="json",
        ),
        409,
    )

    assert error["code"] == "wrong_stage"
    with translation.override("id"):
        assert str(Stage(Stage.REJECTED).label) in error["message"]


def test_api_grade_change_at_the_wrong_stage_is_409_wrong_stage(working, employer_api):
    left_at(working.application, Stage.WITHDRAWN)

    error = error_of(
        employer_api.post(
            f"/api/v1/placements/{working.pk}/grade-changes/",
            {"grade": 1, "effective_on": working.contract_starts.isoformat()},
            format="json",
        ),
        409,
    )

    assert error == {"code": "wrong_stage", "message": WRONG_FOR_PLACEMENT, "fields": {}}
    assert not GradeChange.objects.exists()


def test_api_status_at_the_wrong_stage_is_409_wrong_stage(working, employer_api):
    left_at(working.application, Stage.WITHDRAWN)

    error = error_of(
        employer_api.post(
            f"/api/v1/placements/{working.pk}/status/",
            {"status": "repatriated", "on_date": timezone.localdate().isoformat(), "reason": "Sakit."},
            format="json",
        ),
        409,
    )

    assert error == {"code": "wrong_stage", "message": WRONG_FOR_PLACEMENT, "fields": {}}
    assert Placement.objects.get(pk=working.pk).status == PlacementStatus.WORKING
    assert Enrolment.objects.filter(application=working.application).count() == 2


# --- Records left open before the stage service closed them --------------------------------


def test_the_tidy_up_migration_closes_what_finished_applications_left_open(program, placement):
    """The data migration closes the records of applications that ended before this rule."""
    import importlib

    from django.apps import apps

    tidy = importlib.import_module("placements.migrations.0002_close_records_of_finished_applications")
    withdrawn = accept(program)
    left_at(withdrawn, Stage.WITHDRAWN)
    left_at(placement.application, Stage.REJECTED)
    trained = statuses(placement.application)

    tidy.close(apps, None)

    assert statuses(withdrawn) == [EnrolmentStatus.DISCONTINUED] * 2
    assert {e.outcome_reason for e in phases_of(withdrawn)} == {"Lamaran “Ditarik”."}
    placement.refresh_from_db()
    assert (placement.status, placement.status_reason) == (PlacementStatus.TERMINATED, "Lamaran “Ditolak”.")
    event = PlacementEvent.objects.filter(placement=placement).latest("id")
    assert (event.from_status, event.to_status) == (PlacementStatus.PLANNED, PlacementStatus.TERMINATED)
    assert statuses(placement.application) == trained  # passed phases stay passed
    tidy.close(apps, None)  # a second run finds nothing to do
    ends = PlacementEvent.objects.filter(placement=placement, to_status=PlacementStatus.TERMINATED)
    assert ends.count() == 1
