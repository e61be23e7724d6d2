"""The partner API for training and placement, through HTTP with a partner's key.

The employer of a programme reads its workers' enrolments and placements and posts
assessments, grades and status; a training institution the programme names as a
supporting partner reads enrolments and posts assessments only; anyone else gets 404.
"""

from __future__ import annotations

import base64
import datetime
from urllib.parse import urlencode

import orjson
import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from candidates.models import Stage
from placements import services
from placements.models import (
    Assessment,
    EnrolmentStatus,
    GradeChange,
    Placement,
    PlacementEvent,
    PlacementStatus,
)
from programs.models import ProgramStatus, TrainingPhase
from tests.candidates.factories import application_at
from tests.programs.factories import ProgramFactory

from .conftest import accept, confirm_all, contract_ended, error_of, key_client, move, phases_of, start

ENROLMENTS = "/api/v1/enrolments/"
PLACEMENTS = "/api/v1/placements/"
MISSING_ID = 987_654_321


def assessments_url(enrolment_id: int) -> str:
    return f"/api/v1/enrolments/{enrolment_id}/assessments/"


def grades_url(placement_id: int) -> str:
    return f"/api/v1/placements/{placement_id}/grade-changes/"


def status_url(placement_id: int) -> str:
    return f"/api/v1/placements/{placement_id}/status/"


def ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content[:500]
    return [row["id"] for row in response.json()["results"]]


def walk(client, url: str, **params) -> list[int]:
    """Follow ``next`` from the first page to the last; every id in the order served."""
    url = f"{url}?{urlencode(params)}"
    served: list[int] = []
    for _page in range(50):
        response = client.get(url)
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        served += [row["id"] for row in body["results"]]
        url = body["next"]
        if url is None:
            return served
        assert len(body["results"]) == params["page_size"], "a page with a next link must be full"
    pytest.fail(f"the cursor walk never ended: {served}")


def cursor_of(values) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


@pytest.fixture
def trainee(worker, staff):
    """The worker's language phase, in progress since 360 days ago."""
    language, _technical = phases_of(worker)
    return start(language, staff)


ASSESSMENT = {"kind": "final", "score": "78.5", "pass_mark": "60"}


def assessment_body(**values) -> dict:
    return {"taken_on": timezone.localdate().isoformat(), **ASSESSMENT, **values}


# --- Enrolments: list ------------------------------------------------------------------------


def test_the_employer_lists_its_workers_enrolments_with_results(trainee, staff, employer_api):
    services.enrolment_record_progress(
        enrolment=trainee, actor=staff, attendance="91.5", language_level="torfl_basic"
    )
    assessment = services.assessment_record(
        enrolment=trainee, actor=staff, taken_on=ago(1), kind="test", score=55, pass_mark=60, note="Kuis"
    )
    services.certificate_add(enrolment=trainee, actor=staff, issuer="BPSDMI", number="A-1", issued_on=ago(1))
    response = employer_api.get(ENROLMENTS)
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    rows = {row["id"]: row for row in body["results"]}
    technical = phases_of(trainee.application)[1]
    assert set(rows) == {trainee.pk, technical.pk}
    row = rows[trainee.pk]
    assessment.refresh_from_db()
    assert row == {
        "id": trainee.pk,
        "application": trainee.application_id,
        "program": "rusal-smk-go-global-2026",
        "worker": trainee.application.candidate.full_name,
        "phase": {
            "order": 1,
            "title": "Russian language",
            "months": 12,
            "min_attendance": 80,
            "final_assessment_required": True,
        },
        "field_of_study": "language",
        "starts_on": ago(360).isoformat(),
        "ends_on": trainee.ends_on.isoformat(),
        "status": "in_progress",
        "attendance": "91.50",
        "language_level": "torfl_basic",
        "assessments": [
            {
                "id": assessment.pk,
                "taken_on": ago(1).isoformat(),
                "kind": "test",
                "score": "55.00",
                "max_score": "100.00",
                "pass_mark": "60.00",
                "passed": False,
                "note": "Kuis",
                "recorded_at": assessment.created_at.isoformat(),
            }
        ],
        "certificates": [{"issuer": "BPSDMI", "number": "A-1", "issued_on": ago(1).isoformat()}],
    }
    assert rows[technical.pk]["field_of_study"] == ""
    assert rows[technical.pk]["attendance"] is None


def test_phase_titles_follow_the_language_asked_for(trainee, employer_key):
    rows = key_client(employer_key[1], "id").get(ENROLMENTS).json()["results"]
    assert {row["phase"]["title"] for row in rows} == {"Bahasa Rusia", "Pelatihan teknik"}


def test_a_training_institution_lists_the_enrolments_of_the_programmes_it_supports(trainee, trainer_api):
    assert set(ids(trainer_api.get(ENROLMENTS))) == {e.pk for e in phases_of(trainee.application)}


def test_a_partner_of_another_programme_lists_nothing(trainee, other_api, other_program):
    assert ids(other_api.get(ENROLMENTS)) == []
    assert ids(other_api.get(ENROLMENTS, {"program": "rusal-smk-go-global-2026"})) == []


def test_enrolments_of_a_draft_programme_are_not_listed(trainee, employer_api, program):
    draft = ProgramFactory(employer=program.employer, code="draf-2027", status=ProgramStatus.DRAFT)
    TrainingPhase.objects.create(program=draft, order=1, title="Bahasa", months=3, location="Jakarta")
    services.training_enrol(application=application_at(Stage.ACCEPTED, program=draft))
    listed = ids(employer_api.get(ENROLMENTS))
    assert set(listed) == {e.pk for e in phases_of(trainee.application)}
    assert ids(employer_api.get(ENROLMENTS, {"program": "draf-2027"})) == []


def test_enrolments_filter_by_programme_and_status(trainee, employer_api, program):
    second = ProgramFactory(employer=program.employer, code="rusal-2027", status=ProgramStatus.TRAINING)
    TrainingPhase.objects.create(program=second, order=1, title="Bahasa", months=3, location="Jakarta")
    other_worker = accept(second)
    theirs = phases_of(other_worker)[0]
    ours = phases_of(trainee.application)
    assert set(ids(employer_api.get(ENROLMENTS))) == {e.pk for e in ours} | {theirs.pk}
    assert ids(employer_api.get(ENROLMENTS, {"program": "rusal-2027"})) == [theirs.pk]
    assert set(ids(employer_api.get(ENROLMENTS, {"program": program.code}))) == {e.pk for e in ours}
    assert ids(employer_api.get(ENROLMENTS, {"status": "in_progress"})) == [trainee.pk]
    assert set(ids(employer_api.get(ENROLMENTS, {"status": "planned"}))) == {ours[1].pk, theirs.pk}
    assert ids(employer_api.get(ENROLMENTS, {"status": "planned", "program": "rusal-2027"})) == [theirs.pk]
    assert ids(employer_api.get(ENROLMENTS, {"status": "passed"})) == []
    assert ids(employer_api.get(ENROLMENTS, {"program": "tidak-ada"})) == []


@pytest.mark.parametrize("page_size", [1, 2, 3, 4, 7, 100])
def test_the_cursor_walks_every_enrolment_once(program, staff, employer_api, page_size):
    for _worker in range(3):
        accept(program)
    expected = sorted(e.pk for e in _all_enrolments(program))
    assert len(expected) == 6
    served = walk(employer_api, ENROLMENTS, page_size=page_size)
    assert served == expected
    assert len(served) == len(set(served))


def test_the_cursor_keeps_the_filters(program, staff, employer_api):
    workers = [accept(program) for _ in range(3)]
    for application in workers:
        start(phases_of(application)[0], staff)
    in_progress = sorted(phases_of(a)[0].pk for a in workers)
    assert walk(employer_api, ENROLMENTS, page_size=1, status="in_progress") == in_progress


def _all_enrolments(program):
    from placements.models import Enrolment

    return Enrolment.objects.filter(application__program=program)


@pytest.mark.parametrize(
    "cursor",
    [
        "bukan-kursor",
        "!!!",
        cursor_of([0]),
        cursor_of([-3]),
        cursor_of(["7"]),
        cursor_of([1, 2]),
        cursor_of({"id": 1}),
        cursor_of([2**31]),
        cursor_of([1.5]),
    ],
    ids=["garbage", "not-base64", "zero", "negative", "text", "two-values", "object", "too-big", "float"],
)
def test_a_bad_cursor_is_400_invalid_cursor(trainee, employer_api, cursor):
    error = error_of(employer_api.get(ENROLMENTS, {"cursor": cursor}), 400)
    assert error["code"] == "invalid_cursor"
    assert error["message"] == "The cursor is not valid; start again from the first page."
    assert "cursor" in error["fields"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lulus"}, "status"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"program": "bukan slug!"}, "program"),
    ],
)
def test_bad_list_filters_are_400_naming_the_field(trainee, employer_api, params, field):
    error = error_of(employer_api.get(ENROLMENTS, params), 400)
    assert error["code"] == "invalid"
    assert field in error["fields"]
    error = error_of(employer_api.get(PLACEMENTS, params), 400)
    assert field in error["fields"]


def test_without_a_key_the_lists_are_401(trainee):
    from rest_framework.test import APIClient

    for url in (ENROLMENTS, PLACEMENTS):
        error = error_of(APIClient().get(url), 401)
        assert error["code"] == "not_authenticated"


# --- Enrolments: posting an assessment ---------------------------------------------------------


def test_the_employer_posts_an_assessment(trainee, employer_api, employer_key, partner_user):
    response = employer_api.post(
        assessments_url(trainee.pk), assessment_body(note="Ujian akhir"), format="json"
    )
    assert response.status_code == 201, response.content
    assessment = Assessment.objects.get()
    assert response.json() == {
        "id": assessment.pk,
        "taken_on": timezone.localdate().isoformat(),
        "kind": "final",
        "score": "78.50",
        "max_score": "100.00",
        "pass_mark": "60.00",
        "passed": True,
        "note": "Ujian akhir",
        "recorded_at": assessment.created_at.isoformat(),
    }
    assert assessment.recorded_with_key_id == employer_key[0].pk
    assert assessment.recorded_by_id == partner_user.pk
    assert assessment.enrolment_id == trainee.pk


def test_a_training_institution_posts_an_assessment_with_its_own_key(
    trainee, trainer_api, trainer_key, trainer_user
):
    response = trainer_api.post(
        assessments_url(trainee.pk),
        assessment_body(score="12", pass_mark="15", max_score="20"),
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["passed"], response.json()["max_score"]) == (False, "20.00")
    assessment = Assessment.objects.get()
    assert (assessment.recorded_with_key_id, assessment.recorded_by_id) == (
        trainer_key[0].pk,
        trainer_user.pk,
    )


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"score": "101"}, {"score"}),
        ({"pass_mark": "150"}, {"pass_mark"}),
        ({"score": "30", "pass_mark": "20", "max_score": "25"}, {"score"}),
        ({"max_score": "0"}, {"max_score"}),
        ({"taken_on": "tomorrow"}, {"taken_on"}),
        ({"kind": "lisan"}, {"kind"}),
        ({"score": "-1"}, {"score"}),
        ({"score": "1.234"}, {"score"}),
        ({"score": None}, {"score"}),
    ],
    ids=[
        "score-above-max",
        "pass-mark-above-max",
        "score-above-own-max",
        "zero-max",
        "bad-date",
        "bad-kind",
        "negative",
        "three-decimals",
        "null-score",
    ],
)
def test_bad_assessment_input_is_400_with_field_errors(trainee, employer_api, values, fields):
    error = error_of(
        employer_api.post(assessments_url(trainee.pk), assessment_body(**values), format="json"), 400
    )
    assert error["code"] == "invalid"
    assert error["message"] == "Please correct the marked fields."
    assert set(error["fields"]) == fields
    assert not Assessment.objects.exists()


def test_an_assessment_dated_in_the_future_or_outside_the_phase_is_400(trainee, employer_api):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    error = error_of(
        employer_api.post(assessments_url(trainee.pk), assessment_body(taken_on=tomorrow), format="json"), 400
    )
    assert error["fields"] == {"taken_on": ["The assessment date cannot be in the future."]}
    before = (trainee.starts_on - datetime.timedelta(days=1)).isoformat()
    error = error_of(
        employer_api.post(assessments_url(trainee.pk), assessment_body(taken_on=before), format="json"), 400
    )
    assert error["fields"] == {
        "taken_on": [
            f"The date must fall within the phase, from {date_format(trainee.starts_on, 'DATE_FORMAT')} "
            f"to {date_format(trainee.ends_on, 'DATE_FORMAT')}."
        ]
    }


def test_a_missing_field_is_400(trainee, employer_api):
    error = error_of(employer_api.post(assessments_url(trainee.pk), {"kind": "test"}, format="json"), 400)
    assert set(error["fields"]) == {"taken_on", "score", "pass_mark"}


def test_an_assessment_for_another_programme_is_404(trainee, other_api):
    error = error_of(other_api.post(assessments_url(trainee.pk), assessment_body(), format="json"), 404)
    assert (error["code"], error["message"]) == ("not_found", "Not found.")
    assert not Assessment.objects.exists()


def test_an_assessment_for_a_missing_enrolment_is_404(trainee, employer_api):
    error_of(employer_api.post(assessments_url(MISSING_ID), assessment_body(), format="json"), 404)


def test_another_programmes_enrolment_is_404_even_with_bad_input(trainee, other_api):
    """Scope comes first: the body of a request for someone else's row is never judged."""
    error = error_of(other_api.post(assessments_url(trainee.pk), {"score": "x"}, format="json"), 404)
    assert error["fields"] == {}


@pytest.mark.parametrize("status", ["planned", "passed"])
def test_an_assessment_for_a_phase_not_in_progress_is_409(worker, staff, employer_api, status):
    language, technical = phases_of(worker)
    if status == "planned":
        target = technical
    else:
        start(language, staff)
        from .conftest import make_passable

        make_passable(language, staff)
        services.enrolment_pass(enrolment=language, actor=staff)
        target = language
    error = error_of(employer_api.post(assessments_url(target.pk), assessment_body(), format="json"), 409)
    assert error["code"] == "phase_not_in_progress"
    label = EnrolmentStatus(status).label
    assert (
        error["message"] == f"This phase is “{label}”; assessments are recorded only while it is in progress."
    )


# --- Placements: list ----------------------------------------------------------------------------


def test_the_employer_lists_its_placements(placement, staff, employer_api):
    services.checklist_confirm(item=placement.checklist.get(item="passport"), actor=staff)
    response = employer_api.get(PLACEMENTS)
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert body["results"] == [
        {
            "id": placement.pk,
            "application": placement.application_id,
            "program": "rusal-smk-go-global-2026",
            "worker": placement.application.candidate.full_name,
            "track": placement.track_id,
            "employer": str(placement.employer),
            "site": "Krasnoyarsk",
            "position": "Juru las",
            "contract_starts": placement.contract_starts.isoformat(),
            "contract_ends": placement.contract_ends.isoformat(),
            "status": "planned",
            "status_reason": "",
            "departed_on": None,
            "returned_on": None,
            "grade": None,
            "open_checklist_items": [
                "visa",
                "health_check",
                "orientation",
                "social_insurance",
                "signed_contract",
            ],
            "allowed_statuses": ["terminated"],
        }
    ]


def test_placements_filter_by_status_and_programme(working, employer_api, program):
    assert ids(employer_api.get(PLACEMENTS, {"status": "working"})) == [working.pk]
    assert ids(employer_api.get(PLACEMENTS, {"status": "planned"})) == []
    assert ids(employer_api.get(PLACEMENTS, {"program": program.code})) == [working.pk]
    assert ids(employer_api.get(PLACEMENTS, {"program": "lain"})) == []
    row = employer_api.get(PLACEMENTS).json()["results"][0]
    assert (row["departed_on"], row["open_checklist_items"], row["allowed_statuses"]) == (
        ago(70).isoformat(),
        [],
        ["completed", "terminated", "repatriated"],
    )


def test_the_cursor_walks_every_placement_once(program, staff, employer_api):
    from .conftest import complete_training, place

    placed = [place(complete_training(accept(program), staff), staff).pk for _ in range(3)]
    assert walk(employer_api, PLACEMENTS, page_size=2) == sorted(placed)
    error = error_of(employer_api.get(PLACEMENTS, {"cursor": "xyz"}), 400)
    assert error["code"] == "invalid_cursor"


def test_a_training_institution_and_another_partner_see_no_placements(placement, trainer_api, other_api):
    assert ids(trainer_api.get(PLACEMENTS)) == []
    assert ids(other_api.get(PLACEMENTS)) == []


# --- Placements: grades ----------------------------------------------------------------------


def test_the_employer_posts_a_grade_change(working, employer_api, employer_key, partner_user):
    response = employer_api.post(
        grades_url(working.pk),
        {"grade": 2, "effective_on": working.contract_starts.isoformat(), "reason": "Masa percobaan selesai"},
        format="json",
    )
    assert response.status_code == 201, response.content
    change = GradeChange.objects.get()
    assert response.json() == {
        "id": change.pk,
        "from_grade": None,
        "to_grade": 2,
        "effective_on": working.contract_starts.isoformat(),
        "reason": "Masa percobaan selesai",
        "recorded_at": change.created_at.isoformat(),
    }
    assert (change.api_key_id, change.actor_id) == (employer_key[0].pk, partner_user.pk)
    assert Placement.objects.get(pk=working.pk).grade == 2
    second = employer_api.post(
        grades_url(working.pk),
        {"grade": 3, "effective_on": (working.contract_starts + datetime.timedelta(days=90)).isoformat()},
        format="json",
    )
    assert second.status_code == 201
    assert (second.json()["from_grade"], second.json()["to_grade"], second.json()["reason"]) == (2, 3, "")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"grade": 7}, "grade"),
        ({"grade": 0}, "grade"),
        ({"grade": "tiga"}, "grade"),
        ({"effective_on": "2020-01-01"}, "effective_on"),
        ({"effective_on": None}, "effective_on"),
    ],
    ids=["off-ladder", "zero", "words", "before-contract", "no-date"],
)
def test_bad_grade_input_is_400(working, employer_api, body, field):
    data = {"grade": 1, "effective_on": working.contract_starts.isoformat(), **body}
    error = error_of(employer_api.post(grades_url(working.pk), data, format="json"), 400)
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert not GradeChange.objects.exists()


def test_an_off_ladder_grade_names_the_ladder(working, employer_api):
    error = error_of(
        employer_api.post(
            grades_url(working.pk),
            {"grade": 9, "effective_on": working.contract_starts.isoformat()},
            format="json",
        ),
        400,
    )
    assert error["fields"] == {"grade": ["Grade 9 is not on the programme's ladder (1 to 6)."]}


def test_a_grade_jump_or_repeat_is_409(working, staff, employer_api):
    services.placement_change_grade(
        placement=working, to_grade=2, effective_on=working.contract_starts, actor=staff
    )
    later = (working.contract_starts + datetime.timedelta(days=30)).isoformat()
    error = error_of(
        employer_api.post(grades_url(working.pk), {"grade": 4, "effective_on": later}, format="json"), 409
    )
    assert error["code"] == "grade_step"
    assert error["message"].endswith(" 1, 3.")
    error = error_of(
        employer_api.post(grades_url(working.pk), {"grade": 2, "effective_on": later}, format="json"), 409
    )
    assert (error["code"], error["message"]) == ("same_grade", "The worker is already at grade 2.")
    assert GradeChange.objects.count() == 1


def test_a_grade_for_an_ended_placement_is_409(returned, employer_api):
    error = error_of(
        employer_api.post(
            grades_url(returned.pk),
            {"grade": 1, "effective_on": returned.contract_starts.isoformat()},
            format="json",
        ),
        409,
    )
    assert error["code"] == "placement_ended"


@pytest.mark.parametrize("caller", ["trainer_api", "other_api"])
def test_only_the_employer_posts_grades(request, working, caller):
    client = request.getfixturevalue(caller)
    error = error_of(
        client.post(
            grades_url(working.pk),
            {"grade": 1, "effective_on": working.contract_starts.isoformat()},
            format="json",
        ),
        404,
    )
    assert error["code"] == "not_found"
    assert not GradeChange.objects.exists()


# --- Placements: status ------------------------------------------------------------------------


@pytest.fixture
def ready(placement, staff):
    """Preparing to depart (since 80 days ago) with the whole checklist done."""
    confirm_all(placement, staff)
    return move(placement, "pre_departure", staff, days_ago=80)


def test_the_employer_records_departure_and_work(ready, employer_api, employer_key, partner_user):
    response = employer_api.post(
        status_url(ready.pk), {"status": "departed", "on_date": ago(70).isoformat()}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["departed_on"], body["open_checklist_items"]) == (
        ready.pk,
        "departed",
        ago(70).isoformat(),
        [],
    )
    assert body["allowed_statuses"] == ["working", "terminated", "repatriated"]
    event = PlacementEvent.objects.filter(placement=ready).latest("id")
    assert (event.from_status, event.to_status, event.on_date, event.api_key_id, event.actor_id) == (
        "pre_departure",
        "departed",
        ago(70),
        employer_key[0].pk,
        partner_user.pk,
    )
    assert (
        employer_api.post(
            status_url(ready.pk), {"status": "working", "on_date": ago(60).isoformat()}, format="json"
        ).status_code
        == 200
    )
    contract_ended(ready, days_ago=0)
    done = employer_api.post(status_url(ready.pk), {"status": "completed"}, format="json")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["returned_on"], done.json()["status_reason"]) == (
        "completed",
        timezone.localdate().isoformat(),
        "Contract completed.",
    )
    application = Placement.objects.get(pk=ready.pk).application
    assert application.stage == Stage.RETURNED
    assert application.events.latest("id").actor_id == partner_user.pk


def test_departure_with_open_items_is_409_naming_them(placement, staff, employer_api):
    for kind in ("passport", "orientation", "social_insurance", "signed_contract", "health_check"):
        services.checklist_confirm(item=placement.checklist.get(item=kind), actor=staff)
    move(placement, "pre_departure", staff, days_ago=80)
    error = error_of(employer_api.post(status_url(placement.pk), {"status": "departed"}, format="json"), 409)
    assert error["code"] == "checklist_open"
    assert error["message"] == "The worker cannot depart while these checklist items are open: Work visa."
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.PRE_DEPARTURE
    assert not PlacementEvent.objects.filter(placement=placement, to_status="departed").exists()


def test_the_employer_cannot_start_the_preparation(placement, employer_api):
    error = error_of(
        employer_api.post(status_url(placement.pk), {"status": "pre_departure"}, format="json"), 409
    )
    assert error["code"] == "status_not_allowed"
    assert error["message"] == (
        "This placement is “Planned” and cannot become “Preparing to depart”. Allowed: Terminated early."
    )


def test_the_employer_ends_a_planned_placement_with_a_reason(placement, employer_api, employer_key):
    error = error_of(
        employer_api.post(status_url(placement.pk), {"status": "terminated"}, format="json"), 400
    )
    assert error["fields"] == {"reason": ["Give a reason for an early end."]}
    response = employer_api.post(
        status_url(placement.pk), {"status": "terminated", "reason": "Kuota dibatalkan"}, format="json"
    )
    assert response.status_code == 200
    assert (
        response.json()["status"],
        response.json()["status_reason"],
        response.json()["allowed_statuses"],
    ) == (
        "terminated",
        "Kuota dibatalkan",
        [],
    )
    assert Placement.objects.get(pk=placement.pk).application.stage == Stage.DISCONTINUED


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "libur"}, "status"),
        ({}, "status"),
        ({"status": "departed", "on_date": "kemarin"}, "on_date"),
    ],
)
def test_bad_status_input_is_400(ready, employer_api, body, field):
    error = error_of(employer_api.post(status_url(ready.pk), body, format="json"), 400)
    assert field in error["fields"]


def test_status_dates_are_checked(ready, employer_api):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    error = error_of(
        employer_api.post(status_url(ready.pk), {"status": "departed", "on_date": tomorrow}, format="json"),
        400,
    )
    assert error["fields"] == {"on_date": ["The date cannot be in the future."]}
    error = error_of(
        employer_api.post(
            status_url(ready.pk), {"status": "departed", "on_date": ago(81).isoformat()}, format="json"
        ),
        400,
    )
    assert error["fields"] == {
        "on_date": [f"The date cannot be before the last change, on {date_format(ago(80), 'DATE_FORMAT')}."]
    }


@pytest.mark.parametrize("caller", ["trainer_api", "other_api"])
def test_only_the_employer_posts_status(request, ready, caller):
    client = request.getfixturevalue(caller)
    error_of(client.post(status_url(ready.pk), {"status": "departed"}, format="json"), 404)
    assert Placement.objects.get(pk=ready.pk).status == PlacementStatus.PRE_DEPARTURE


def test_a_missing_placement_is_404(ready, employer_api):
    error_of(employer_api.post(status_url(MISSING_ID), {"status": "departed"}, format="json"), 404)
    error_of(
        employer_api.post(grades_url(MISSING_ID), {"grade": 1, "effective_on": "2027-01-01"}, format="json"),
        404,
    )


# --- Languages -------------------------------------------------------------------------------------


def test_refusals_speak_the_language_asked_for(trainee, employer_key):
    english = key_client(employer_key[1], "en")
    indonesian = key_client(employer_key[1], "id")
    body = assessment_body(score="150")
    en = error_of(english.post(assessments_url(trainee.pk), body, format="json"), 400)
    id_ = error_of(indonesian.post(assessments_url(trainee.pk), body, format="json"), 400)
    assert en["message"] == "Please correct the marked fields."
    with translation.override("id"):
        assert id_["message"] == gettext("Please correct the marked fields.")
    assert en["message"] != id_["message"]
    assert (en["code"], set(en["fields"])) == (id_["code"], set(id_["fields"]))
    # No header: Indonesian, the portal's language.
    plain = key_client(employer_key[1]).post(assessments_url(trainee.pk), body, format="json")
    assert plain.json()["error"]["message"] == id_["message"]
    assert plain["Content-Language"] == "id"


CHECKLIST_OPEN = "The worker cannot depart while these checklist items are open: %(items)s."


def test_a_placement_refusal_reads_in_indonesian(placement, staff, employer_key):
    move(placement, "pre_departure", staff, days_ago=80)
    english = error_of(
        key_client(employer_key[1], "en").post(
            status_url(placement.pk), {"status": "departed"}, format="json"
        ),
        409,
    )
    indonesian = error_of(
        key_client(employer_key[1], "id").post(
            status_url(placement.pk), {"status": "departed"}, format="json"
        ),
        409,
    )
    assert english["code"] == indonesian["code"] == "checklist_open"
    assert english["message"].startswith("The worker cannot depart")
    assert indonesian["message"] != english["message"]
    with translation.override("id"):
        translated = gettext(CHECKLIST_OPEN)
        labels = ", ".join(str(item.get_item_display()) for item in placement.checklist.order_by("id"))
    assert translated != CHECKLIST_OPEN, "no Indonesian text for the checklist refusal"
    assert indonesian["message"] == translated % {"items": labels}


def test_dates_in_refusals_are_written_the_reader_s_way(ready, employer_key):
    answers = {}
    for language in ("en", "id"):
        client = key_client(employer_key[1], language)
        answers[language] = error_of(
            client.post(
                status_url(ready.pk), {"status": "departed", "on_date": ago(81).isoformat()}, format="json"
            ),
            400,
        )["fields"]["on_date"][0]
        with translation.override(language):
            assert date_format(ago(80), "DATE_FORMAT") in answers[language], language
    assert answers["en"] != answers["id"]


def test_a_staff_browser_session_is_not_an_api_credential(ready, staff):
    from rest_framework.test import APIClient

    enrolment = phases_of(ready.application)[0]
    client = APIClient()
    client.force_login(staff)
    for method, url, body in (
        ("get", ENROLMENTS, None),
        ("post", assessments_url(enrolment.pk), assessment_body()),
        ("get", PLACEMENTS, None),
        ("post", grades_url(ready.pk), {"grade": 1, "effective_on": ready.contract_starts.isoformat()}),
        ("post", status_url(ready.pk), {"status": "departed"}),
    ):
        response = getattr(client, method)(url, body, format="json") if body else client.get(url)
        assert error_of(response, 401)["code"] == "not_authenticated", url
    assert Assessment.objects.filter(enrolment=enrolment).count() == 1  # the one from training
    assert Placement.objects.get(pk=ready.pk).status == PlacementStatus.PRE_DEPARTURE


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # the key is remembered after the first request
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_lists_take_the_same_queries_for_one_row_or_many(program, staff, employer_api):
    from .conftest import complete_training, place

    first = complete_training(accept(program), staff)
    place(first, staff)
    services.certificate_add(
        enrolment=phases_of(first)[0],
        actor=staff,
        issuer="BPSDMI",
        number="1",
        issued_on=timezone.localdate(),
    )
    one = (_queries(employer_api, ENROLMENTS), _queries(employer_api, PLACEMENTS))
    for _worker in range(3):
        place(complete_training(accept(program), staff), staff)
    many = (_queries(employer_api, ENROLMENTS), _queries(employer_api, PLACEMENTS))
    assert many == one


@pytest.mark.parametrize(
    "url",
    [
        assessments_url(2**31),
        assessments_url(10**20),
        grades_url(2**31),
        status_url(10**20),
    ],
)
def test_ids_beyond_the_database_range_are_404_not_500(ready, employer_key, url):
    from rest_framework.test import APIClient

    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {employer_key[1]}")
    error_of(client.post(url, {"status": "departed"}, format="json"), 404)


def test_completing_a_contract_before_its_end_is_400_naming_the_end(working, employer_api):
    error = error_of(
        employer_api.post(
            status_url(working.pk), {"status": "completed", "on_date": ago(1).isoformat()}, format="json"
        ),
        400,
    )

    assert error["code"] == "invalid"
    with translation.override("en"):
        end = date_format(working.contract_ends, "DATE_FORMAT")
    assert error["fields"] == {
        "on_date": [
            f"The contract ends on {end} and cannot be completed before; "
            "an earlier end is “Terminated early” or “Repatriated”, with a reason."
        ]
    }
    assert Placement.objects.get(pk=working.pk).status == PlacementStatus.WORKING
