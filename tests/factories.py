"""Factories for the tests; each builds a consistent, valid object by default."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.db.models import F
from django.utils import timezone

from accounts.models import Role, User
from programs.models import (
    Currency,
    DocumentKind,
    ExchangeRate,
    GradeLevel,
    Major,
    Partner,
    PartnerKind,
    PlacementTrack,
    Program,
    ProgramStatus,
    Sector,
    TrainingPhase,
)

TEST_PASSWORD = "Kata-Sandi-Uji-2026"


def _now():
    return timezone.now()


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Mitra {n}")
    kind = PartnerKind.EMPLOYER
    country = "RU"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"pengguna{n}@contoh.id")
    full_name = factory.Sequence(lambda n: f"Pengguna {n}")
    role = Role.CANDIDATE
    password = factory.django.Password(TEST_PASSWORD)


class StaffFactory(UserFactory):
    role = Role.STAFF
    is_staff = True

    @factory.post_generation
    def staff_group(obj, create, extracted, **kwargs):
        if create:
            from accounts.services import staff_group_ensure

            obj.groups.add(staff_group_ensure())


class PartnerUserFactory(UserFactory):
    role = Role.PARTNER
    partner = factory.SubFactory(PartnerFactory)


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


class CandidateFactory(factory.django.DjangoModelFactory):
    """A complete SMK graduate's profile (welding, 2024, average 82.5) with a unique NIK."""

    class Meta:
        model = "candidates.CandidateProfile"

    user = factory.SubFactory(UserFactory, role=Role.CANDIDATE, email_verified_at=factory.LazyFunction(_now))
    full_name = factory.Sequence(lambda n: f"Kandidat {n}")
    # DKI Jakarta, born 15 Aug 2004, serial from the sequence.
    nik = factory.Sequence(lambda n: f"317101150804{n % 10000:04d}")
    birth_place = "Jakarta"
    birth_date = datetime.date(2004, 8, 15)
    sex = "M"
    phone = "+6281234567890"
    address = "Jl. Merdeka 1"
    province_id = "31"
    regency = "Jakarta Pusat"
    school_name = "SMK Negeri 1 Jakarta"
    school_npsn = "20100001"
    major = factory.LazyFunction(lambda: Major.objects.get(code="teknik-pengelasan"))
    graduation_year = 2024
    average_grade = Decimal("82.5")


def application_at(stage: str, *, program: Program, candidate=None, track=None, **fields):
    """An application already at ``stage``, with what that stage needs (track, deadline, seat,
    interview, verified documents), set up directly, as a fixture, without the stage service."""
    from candidates.models import (
        SEAT_RESERVED_STAGES,
        SEAT_TAKEN_STAGES,
        Application,
        Document,
        DocumentStatus,
        Interview,
        Stage,
    )
    from candidates.pipeline import PARTNER_VISIBLE_STAGES

    candidate = candidate or CandidateFactory()
    track = track or program.tracks.order_by("id").first()
    for kind in program.required_document_kinds:
        Document.objects.get_or_create(
            candidate=candidate,
            kind=kind,
            defaults={
                "file": f"documents/{kind}-{candidate.pk}",
                "original_name": f"{kind}.pdf",
                "content_type": "application/pdf",
                "size": 1000,
                "sha256": "0" * 64,
                "status": DocumentStatus.VERIFIED,
            },
        )
    holds_track = stage in {Stage.WAITLISTED} | SEAT_RESERVED_STAGES | SEAT_TAKEN_STAGES
    if stage in PARTNER_VISIBLE_STAGES:
        # As if it came the usual way, through "documents verified"; pass None to say it did not.
        fields.setdefault("documents_verified_at", _now())
    application = Application.objects.create(
        candidate=candidate,
        program=program,
        preferred_track=track,
        stage=stage,
        track=track if holds_track else None,
        offer_expires_at=_now() + datetime.timedelta(days=3) if stage == Stage.OFFERED else None,
        consent_version="2026-05",
        consent_given_at=_now(),
        **fields,
    )
    counter = (
        "seats_reserved"
        if stage in SEAT_RESERVED_STAGES
        else "seats_taken"
        if stage in SEAT_TAKEN_STAGES
        else None
    )
    if counter:
        PlacementTrack.objects.filter(pk=track.pk).update(**{counter: F(counter) + 1})
    if stage == Stage.INTERVIEW_SCHEDULED:
        Interview.objects.create(
            application=application,
            starts_at=_now() + datetime.timedelta(days=2),
            place="Kantor KP2MI, Jakarta",
            interviewer="Ibu Sari",
        )
    return application
