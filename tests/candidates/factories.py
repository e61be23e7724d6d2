"""Factories for candidates: a complete profile, and an application already at a given stage."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.db.models import F
from django.utils import timezone

from accounts.models import Role
from programs.models import Major, PlacementTrack, Program
from tests.accounts.factories import UserFactory


def _now():
    return timezone.now()


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


def document_opened(document, *, by):
    """Record that staff member ``by`` downloaded ``document``, as the portal's download does.

    Staff verify only what they opened; tests that verify through the service open it first.
    """
    from candidates import services
    from candidates.models import AccessDoor

    services.document_read_record(reader=by, document=document, door=AccessDoor.DOCUMENT_DOWNLOAD)
    return document
