"""Every operation of the published OpenAPI schema × every kind of caller → exactly one status.

The operations come from the schema itself, so adding an endpoint without a row here
fails ``test_every_operation_has_a_row``.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import PartnerAPIKey
from candidates.models import Document, Stage
from tests.accounts.factories import PartnerUserFactory, StaffFactory
from tests.candidates.factories import CandidateFactory, application_at
from tests.programs.factories import PartnerFactory, ProgramFactory

# "training_partner": a training institution the programme names as a supporting partner.
CALLERS = ("no_key", "revoked_key", "other_partner", "right_partner", "training_partner", "candidate_session")

# (method, path) → expected status per caller.
MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/v1/programs/"): {
        "no_key": 401,
        "revoked_key": 401,
        "other_partner": 200,  # its own (empty) list
        "right_partner": 200,
        "training_partner": 200,
        "candidate_session": 401,
    },
    ("GET", "/api/v1/programs/{code}/"): {
        "no_key": 401,
        "revoked_key": 401,
        "other_partner": 404,
        "right_partner": 200,
        "training_partner": 404,
        "candidate_session": 401,
    },
    ("GET", "/api/v1/applications/"): {
        "no_key": 401,
        "revoked_key": 401,
        "other_partner": 200,
        "right_partner": 200,
        "training_partner": 200,
        "candidate_session": 401,
    },
    ("GET", "/api/v1/applications/{application_id}/"): {
        "no_key": 401,
        "revoked_key": 401,
        "other_partner": 404,
        "right_partner": 200,
        "training_partner": 404,
        "candidate_session": 401,
    },
    ("GET", "/api/v1/applications/{application_id}/documents/{document_id}/"): {
        "no_key": 401,
        "revoked_key": 401,
        "other_partner": 404,
        "right_partner": 200,
        "training_partner": 404,
        "candidate_session": 401,
    },
    ("POST", "/api/v1/applications/{application_id}/reviews/"): {
        "no_key": 401,
        "revoked_key": 401,
        "other_partner": 404,
        "right_partner": 201,
        "training_partner": 404,
        "candidate_session": 401,
    },
    ("POST", "/api/v1/applications/{application_id}/transition/"): {
        "no_key": 401,
        "revoked_key": 401,
        "other_partner": 404,
        "right_partner": 200,
        "training_partner": 404,
        "candidate_session": 401,
    },
    ("GET", "/api/v1/enrolments/"): {
        "no_key": 401,
        "revoked_key": 401,
        "other_partner": 200,
        "right_partner": 200,
        "training_partner": 200,
        "candidate_session": 401,
    },
    ("POST", "/api/v1/enrolments/{enrolment_id}/assessments/"): {
        "no_key": 401,
        "revoked_key": 401,
        "other_partner": 404,
        "right_partner": 201,
        "training_partner": 201,
        "candidate_session": 401,
    },
    ("GET", "/api/v1/placements/"): {
        "no_key": 401,
        "revoked_key": 401,
        "other_partner": 200,
        "right_partner": 200,
        "training_partner": 200,  # its own (empty) list: placements are the employer's
        "candidate_session": 401,
    },
    ("POST", "/api/v1/placements/{placement_id}/grade-changes/"): {
        "no_key": 401,
        "revoked_key": 401,
        "other_partner": 404,
        "right_partner": 201,
        "training_partner": 404,
        "candidate_session": 401,
    },
    ("POST", "/api/v1/placements/{placement_id}/status/"): {
        "no_key": 401,
        "revoked_key": 401,
        "other_partner": 404,
        "right_partner": 200,
        "training_partner": 404,
        "candidate_session": 401,
    },
}

BODIES = {
    "/api/v1/applications/{application_id}/reviews/": {"score": 80, "recommendation": "recommend"},
    "/api/v1/applications/{application_id}/transition/": {"to": Stage.SHORTLISTED},
    "/api/v1/enrolments/{enrolment_id}/assessments/": {
        "taken_on": str(timezone.localdate()),
        "kind": "test",
        "score": "71.5",
        "pass_mark": "60",
    },
    "/api/v1/placements/{placement_id}/grade-changes/": {"grade": 1, "effective_on": "{contract_starts}"},
    "/api/v1/placements/{placement_id}/status/": {"status": "departed"},
}


def _schema_operations(client) -> set[tuple[str, str]]:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_operation_has_a_row(client, db):
    operations = _schema_operations(client)
    assert operations, "the schema lists no operation"
    missing = operations - MATRIX.keys()
    assert not missing, f"add these operations to the permission matrix: {sorted(missing)}"
    stale = MATRIX.keys() - operations
    assert not stale, f"the matrix lists operations the schema no longer has: {sorted(stale)}"


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    employer = PartnerFactory(name="RUSAL")
    program = ProgramFactory(employer=employer, code="rusal-uji", status="selection")
    application = application_at(Stage.DOCUMENTS_VERIFIED, program=program, candidate=CandidateFactory())
    document = Document.objects.filter(candidate=application.candidate).first()
    document.file.save("diploma", ContentFile(b"%PDF-1.4 uji"))
    right_user = PartnerUserFactory(partner=employer)
    other_user = PartnerUserFactory(partner=PartnerFactory(name="Lain"))
    _obj, right_key = PartnerAPIKey.objects.create_key(name="HRIS", user=right_user)
    _obj, other_key = PartnerAPIKey.objects.create_key(name="Lain", user=other_user)
    revoked, revoked_key = PartnerAPIKey.objects.create_key(name="Lama", user=right_user)
    revoked.revoked = True
    revoked.save()
    trainer = PartnerFactory(name="BPSDMI")
    program.supporting_partners.add(trainer)
    _obj, training_key = PartnerAPIKey.objects.create_key(
        name="LMS", user=PartnerUserFactory(partner=trainer)
    )
    enrolment, placement = _trainee_and_worker(program)
    return {
        "program": program,
        "application": application,
        "document": document,
        "enrolment": enrolment,
        "placement": placement,
        "keys": {
            "right_partner": right_key,
            "other_partner": other_key,
            "revoked_key": revoked_key,
            "training_partner": training_key,
        },
        "candidate_user": application.candidate.user,
    }


def _trainee_and_worker(program):
    """A worker in a training phase, and one placed and ready to depart."""
    from placements import services as placements
    from programs.models import GradeLevel, TrainingPhase

    staff = StaffFactory()
    TrainingPhase.objects.create(program=program, order=1, title="Bahasa Rusia", months=12, location="Rusia")
    for grade in (1, 2):
        GradeLevel.objects.create(program=program, grade=grade, monthly_salary=80000 + 20000 * grade)
    today = timezone.localdate()
    enrolments = []
    for _worker in range(2):
        candidate = CandidateFactory(
            passport_number="C7654321", passport_expiry=today + datetime.timedelta(days=4000)
        )
        accepted = application_at(Stage.ACCEPTED, program=program, candidate=candidate)
        enrolment = placements.training_enrol(application=accepted)[0]
        enrolments.append(placements.enrolment_start(enrolment=enrolment, actor=staff, starts_on=today))
    finishing = enrolments[1]
    placements.enrolment_record_progress(enrolment=finishing, actor=staff, attendance=95)
    placements.assessment_record(
        enrolment=finishing, actor=staff, taken_on=today, kind="final", score=80, pass_mark=60
    )
    placements.enrolment_pass(enrolment=finishing, actor=staff)
    placement = placements.placement_create(
        application=finishing.application,
        actor=staff,
        site="Krasnoyarsk",
        position="Juru las",
        contract_starts=today + datetime.timedelta(days=30),
    )
    for item in placement.checklist.all():
        placements.checklist_confirm(item=item, actor=staff)
    placements.placement_change_status(placement=placement, to_status="pre_departure", actor=staff)
    return enrolments[0], placement


def _client_for(caller: str, world) -> APIClient:
    client = APIClient()
    if caller in world["keys"]:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {world['keys'][caller]}")
    elif caller == "candidate_session":
        client.force_login(world["candidate_user"])
    return client


CASES = [(method, path, caller) for (method, path), row in MATRIX.items() for caller in CALLERS]


@pytest.mark.parametrize(("method", "path", "caller"), CASES, ids=[f"{m} {p} {c}" for m, p, c in CASES])
def test_status(method, path, caller, world):
    url = (
        path.replace("{code}", world["program"].code)
        .replace("{application_id}", str(world["application"].pk))
        .replace("{document_id}", str(world["document"].pk))
        .replace("{enrolment_id}", str(world["enrolment"].pk))
        .replace("{placement_id}", str(world["placement"].pk))
    )
    client = _client_for(caller, world)
    body = {
        name: value.replace("{contract_starts}", str(world["placement"].contract_starts))
        if isinstance(value, str)
        else value
        for name, value in BODIES.get(path, {}).items()
    }
    response = client.get(url) if method == "GET" else client.post(url, body, format="json")
    expected = MATRIX[(method, path)][caller]
    assert response.status_code == expected, getattr(response, "content", b"")[:300]
    if expected >= 400:
        body = response.json()
        assert set(body) == {"error"}
        assert {"code", "message", "fields"} <= set(body["error"])
    if caller == "other_partner" and expected == 200:
        assert response.json()["results"] == []


def test_an_expired_key_is_refused_like_a_revoked_one(world):
    right_user = PartnerUserFactory(partner=world["program"].employer)
    _expired, key = PartnerAPIKey.objects.create_key(
        name="Kedaluwarsa", user=right_user, expiry_date=timezone.now() - datetime.timedelta(days=1)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert client.get("/api/v1/programs/").status_code == 401
