"""Fixtures for training and placement: a RUSAL-like programme with both training phases and a ladder.

Dates are relative to ``timezone.localdate()``: a phase that is assessed today was started
in the past (so the assessment date falls inside it and is not in the future), and a
contract that is moved along today started a little while ago.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import PartnerAPIKey
from programs.models import (
    ExchangeRate,
    GradeLevel,
    PartnerKind,
    ProgramStatus,
    StudyField,
    TrainingPhase,
)
from tests.accounts.factories import PartnerUserFactory, StaffFactory
from tests.candidates.factories import CandidateFactory, application_at
from tests.programs.factories import PartnerFactory, ProgramFactory, rusal_program

RUSAL_GRADES = {1: "80000", 2: "100000", 3: "120000", 4: "140000", 5: "170000", 6: "200000"}

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploaded certificates go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "private-media"
    return settings.MEDIA_ROOT


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def program(db):
    program = rusal_program(status=ProgramStatus.TRAINING, contract_months=60)
    TrainingPhase.objects.create(
        program=program,
        order=1,
        title="Bahasa Rusia",
        title_en="Russian language",
        months=12,
        location="Rusia",
        fields_of_study=[StudyField.LANGUAGE],
    )
    TrainingPhase.objects.create(
        program=program,
        order=2,
        title="Pelatihan teknik",
        title_en="Technical training",
        months=12,
        location="Rusia",
        fields_of_study=[
            StudyField.CONSTRUCTION,
            StudyField.MACHINERY,
            StudyField.MATERIALS_SCIENCE,
            StudyField.TRANSPORT,
            StudyField.ELECTRICAL_ENERGY,
        ],
    )
    for grade, salary in RUSAL_GRADES.items():
        GradeLevel.objects.create(program=program, grade=grade, monthly_salary=Decimal(salary))
    ExchangeRate.objects.create(currency="RUB", rate_to_idr=Decimal("219"), date=datetime.date(2026, 10, 1))
    return program


@pytest.fixture
def tracks(program):
    return list(program.tracks.order_by("id"))


@pytest.fixture
def staff(db):
    return StaffFactory(email="staf@p2mi.go.id", full_name="Staf Penempatan")


@pytest.fixture
def partner_user(program):
    """The employer's HR user."""
    return PartnerUserFactory(partner=program.employer, email="hr@rusal.example", full_name="HR RUSAL")


@pytest.fixture
def trainer(program):
    """A training institution the programme names as a supporting partner."""
    institution = PartnerFactory(name="BPSDMI", kind=PartnerKind.TRAINING_PROVIDER, country="ID")
    program.supporting_partners.add(institution)
    return institution


@pytest.fixture
def trainer_user(trainer):
    return PartnerUserFactory(partner=trainer, email="lms@bpsdmi.example", full_name="LMS BPSDMI")


@pytest.fixture
def other_program(db):
    """Another employer's programme, running like ours."""
    return ProgramFactory(code="mitra-lain-2026", status=ProgramStatus.TRAINING)


@pytest.fixture
def other_partner_user(other_program):
    return PartnerUserFactory(partner=other_program.employer, email="hr@lain.example", full_name="HR Lain")


def accept(program, *, candidate=None, track=None):
    """An application at "offered" that the candidate accepts, through the stage service."""
    from candidates import services

    candidate = candidate or CandidateFactory(
        passport_number="C1234567", passport_expiry=timezone.localdate() + datetime.timedelta(days=365 * 8)
    )
    application = application_at("offered", program=program, candidate=candidate, track=track)
    return services.application_answer_offer(application=application, actor=candidate.user, accept=True)


@pytest.fixture
def worker(program, staff):
    """An accepted worker, enrolled (planned) in both phases."""
    return accept(program)


def phases_of(application):
    """The application's enrolments, in phase order."""
    return list(application.enrolments.select_related("phase").order_by("phase__order"))


def start(enrolment, actor, *, days_ago: int = 360):
    from placements import services

    return services.enrolment_start(
        enrolment=enrolment, actor=actor, starts_on=timezone.localdate() - datetime.timedelta(days=days_ago)
    )


def make_passable(enrolment, actor, *, attendance="90", score=80, pass_mark=60):
    """Attendance and a passed final assessment dated today."""
    from placements import services

    services.enrolment_record_progress(enrolment=enrolment, actor=actor, attendance=attendance)
    return services.assessment_record(
        enrolment=enrolment,
        actor=actor,
        taken_on=timezone.localdate(),
        kind="final",
        score=score,
        pass_mark=pass_mark,
    )


def complete_training(application, staff):
    """Both phases started, assessed and passed (technical training in machinery)."""
    from placements import services

    language, technical = phases_of(application)
    start(language, staff)
    services.enrolment_choose_field(enrolment=technical, field=StudyField.MACHINERY, actor=staff)
    make_passable(language, staff)
    services.enrolment_pass(enrolment=language, actor=staff)
    technical.refresh_from_db()
    make_passable(technical, staff)
    services.enrolment_pass(enrolment=technical, actor=staff)
    application.refresh_from_db()
    return application


@pytest.fixture
def trained(worker, staff):
    """A worker whose training is complete, at "in training"."""
    return complete_training(worker, staff)


CONTRACT_DAYS_AGO = 60


def place(application, staff, *, days_ago: int = CONTRACT_DAYS_AGO, **fields):
    from placements import services

    return services.placement_create(
        application=application,
        actor=staff,
        site=fields.pop("site", "Krasnoyarsk"),
        position=fields.pop("position", "Juru las"),
        contract_starts=fields.pop(
            "contract_starts", timezone.localdate() - datetime.timedelta(days=days_ago)
        ),
        **fields,
    )


@pytest.fixture
def placement(trained, staff):
    """A planned placement whose contract started 60 days ago (so status dates can be in the past)."""
    return place(trained, staff)


def confirm_all(placement, staff):
    from placements import services

    for item in placement.checklist.order_by("id"):
        if item.is_open:
            services.checklist_confirm(item=item, actor=staff)


def move(placement, to_status, actor, *, days_ago: int, reason: str = ""):
    from placements import services

    return services.placement_change_status(
        placement=placement,
        to_status=to_status,
        actor=actor,
        on_date=timezone.localdate() - datetime.timedelta(days=days_ago),
        reason=reason,
    )


@pytest.fixture
def working(placement, staff):
    """A worker at work: checklist done, pre-departure 80 days ago, departed 70, working 60."""
    confirm_all(placement, staff)
    move(placement, "pre_departure", staff, days_ago=80)
    move(placement, "departed", staff, days_ago=70)
    move(placement, "working", staff, days_ago=60)
    placement.refresh_from_db()
    return placement


def contract_ended(placement, *, days_ago: int):
    """The contract's end moved back to ``days_ago``, as if its years had passed."""
    from placements.models import Placement

    Placement.objects.filter(pk=placement.pk).update(
        contract_ends=timezone.localdate() - datetime.timedelta(days=days_ago)
    )
    placement.refresh_from_db()
    return placement


@pytest.fixture
def returned(working, staff):
    """A worker home after completing the contract, which ended 15 days ago (recorded 10 days ago)."""
    contract_ended(working, days_ago=15)
    move(working, "completed", staff, days_ago=10)
    working.refresh_from_db()
    return working


# --- The partner API -----------------------------------------------------------------


def key_for(user) -> tuple[PartnerAPIKey, str]:
    return PartnerAPIKey.objects.create_key(name=f"HRIS {user.email}", user=user)


def key_client(key: str, language: str | None = None) -> APIClient:
    client = APIClient()
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {key}"}
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    client.credentials(**headers)
    return client


@pytest.fixture
def employer_key(partner_user):
    return key_for(partner_user)


@pytest.fixture
def employer_api(employer_key):
    return key_client(employer_key[1], "en")


@pytest.fixture
def trainer_key(trainer_user):
    return key_for(trainer_user)


@pytest.fixture
def trainer_api(trainer_key):
    return key_client(trainer_key[1], "en")


@pytest.fixture
def other_api(other_partner_user):
    return key_client(key_for(other_partner_user)[1], "en")


def error_of(response, status: int) -> dict:
    """The ``error`` object of a refusal, after checking the status and the shared shape."""
    assert response.status_code == status, response.content[:800]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["fields"], dict)
    for name, messages in error["fields"].items():
        assert isinstance(name, str)
        assert messages
        assert all(isinstance(message, str) and message for message in messages)
    return error


@pytest.fixture(autouse=True)
def in_english():
    """Services build their messages in the active language; these tests read them in English.

    (The API and admin tests choose the language per request, through the header or the address.)
    """
    from django.utils import translation

    with translation.override("en"):
        yield
