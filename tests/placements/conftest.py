"""Fixtures for training and placement: a RUSAL-like programme with both training phases and a ladder."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from programs.models import ExchangeRate, GradeLevel, ProgramStatus, StudyField, TrainingPhase
from tests.factories import CandidateFactory, PartnerUserFactory, ProgramFactory, StaffFactory, application_at

RUSAL_GRADES = {1: "80000", 2: "100000", 3: "120000", 4: "140000", 5: "170000", 6: "200000"}


@pytest.fixture
def program(db):
    program = ProgramFactory(
        code="rusal-smk-go-global-2026",
        total_seats=50,
        tracks=[("Rusia", 25), ("Indonesia — proyek Rusia", 25)],
        status=ProgramStatus.TRAINING,
        contract_months=60,
    )
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
    return PartnerUserFactory(partner=program.employer, email="hr@rusal.example", full_name="HR RUSAL")


@pytest.fixture
def worker(program, staff):
    """An application at "offered" that the candidate accepts, through the stage service."""
    from candidates import services

    candidate = CandidateFactory(
        passport_number="C1234567", passport_expiry=timezone.localdate() + datetime.timedelta(days=365 * 8)
    )
    application = application_at("offered", program=program, candidate=candidate)
    return services.application_answer_offer(application=application, actor=candidate.user, accept=True)
