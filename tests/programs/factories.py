"""Factories for programmes and partners; each builds a consistent, valid object by default."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from programs.models import (
    Currency,
    DocumentKind,
    ExchangeRate,
    GradeLevel,
    Partner,
    PartnerKind,
    PlacementTrack,
    Program,
    ProgramStatus,
    Sector,
    TrainingPhase,
)

# RUSAL's SMK Go Global programme: 50 seats, half working in Russia, half on its projects at home.
RUSAL_TRACKS = [("Rusia", 25), ("Indonesia — proyek Rusia", 25)]


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Mitra {n}")
    kind = PartnerKind.EMPLOYER
    country = "RU"


class ProgramFactory(factory.django.DjangoModelFactory):
    """A published-ready programme: one track holding every seat."""

    class Meta:
        model = Program
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"program-{n}")
    title = factory.Sequence(lambda n: f"Program {n}")
    summary = "Ringkasan program."
    description = "Deskripsi program."
    employer = factory.SubFactory(PartnerFactory)
    destination_country = "RU"
    sector = Sector.WELDING
    occupation = "Juru las"
    total_seats = 10
    recruitment_opens = datetime.date(2026, 11, 1)
    recruitment_closes = datetime.date(2027, 1, 31)
    target_departure = datetime.date(2027, 6, 1)
    contract_months = 24
    salary_currency = Currency.RUB
    salary_min = Decimal("80000")
    salary_max = Decimal("200000")
    status = ProgramStatus.DRAFT
    graduation_year_min = 2023
    graduation_year_max = 2026
    age_min = 18
    age_max = 25
    age_reference_date = datetime.date(2027, 1, 31)
    min_average_grade = Decimal("75")
    required_document_kinds = factory.LazyFunction(lambda: [DocumentKind.DIPLOMA, DocumentKind.PHOTO])

    @factory.post_generation
    def tracks(obj, create, extracted, **kwargs):
        if not create:
            return
        for name, seats in extracted if extracted is not None else [("Utama", obj.total_seats)]:
            PlacementTrack.objects.create(
                program=obj, name=name, country=obj.destination_country, seats=seats
            )


def rusal_program(**fields) -> Program:
    """A RUSAL-like programme: 50 seats split 25/25 between ``RUSAL_TRACKS``; ``fields`` override."""
    fields = {"code": "rusal-smk-go-global-2026", "total_seats": 50, "tracks": RUSAL_TRACKS, **fields}
    return ProgramFactory(**fields)


def recruiting_program(*, majors=(), **fields) -> Program:
    """A RUSAL-like programme, published and recruiting today (opened 10 days ago, closes in 30):
    graduates of 2022 to this year, 18–25 on 1 September 2026, average 75, a diploma and an
    identity card; open to ``majors``."""
    today = timezone.localdate()
    fields = {
        "status": ProgramStatus.PUBLISHED,
        "recruitment_opens": today - datetime.timedelta(days=10),
        "recruitment_closes": today + datetime.timedelta(days=30),
        "target_departure": today + datetime.timedelta(days=120),
        "graduation_year_min": 2022,
        "graduation_year_max": today.year,
        "age_min": 18,
        "age_max": 25,
        "age_reference_date": datetime.date(2026, 9, 1),
        "min_average_grade": Decimal("75"),
        "required_document_kinds": [DocumentKind.DIPLOMA, DocumentKind.IDENTITY_CARD],
        **fields,
    }
    program = rusal_program(**fields)
    program.allowed_majors.set(majors)
    return program


class TrainingPhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingPhase

    program = factory.SubFactory(ProgramFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = "Bahasa"
    months = 12
    location = "Rusia"


class GradeLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GradeLevel

    program = factory.SubFactory(ProgramFactory)
    grade = 1
    monthly_salary = Decimal("80000")


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExchangeRate

    currency = Currency.RUB
    rate_to_idr = Decimal("219")
    date = datetime.date(2026, 10, 1)
