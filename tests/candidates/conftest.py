"""Fixtures for the applicant's flow: an open programme, an eligible candidate, real files."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from candidates.models import CandidateProfile, Document, DocumentStatus, Province
from programs.models import DocumentKind, Major
from tests.accounts.factories import UserFactory
from tests.files import pdf_bytes, upload
from tests.programs.factories import recruiting_program

# A NIK for a man born 15 Aug 2004 in DKI Jakarta (31), and one for a woman (day + 40).
MALE_NIK = "3171011508040001"
FEMALE_NIK = "3271015508040002"
MALE_BIRTH_DATE = datetime.date(2004, 8, 15)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private-media"
    return settings.MEDIA_ROOT


@pytest.fixture
def welding():
    return Major.objects.get(code="teknik-pengelasan")


@pytest.fixture
def open_program(db, welding):
    """A published programme recruiting today, RUSAL-like: two tracks of 25 seats."""
    return recruiting_program(title="SMK Go Global 2026 — RUSAL, Rusia", majors=[welding])


@pytest.fixture
def candidate_user(db):
    return UserFactory(
        role=Role.CANDIDATE, email="budi@contoh.id", full_name="Budi", email_verified_at=timezone.now()
    )


@pytest.fixture
def complete_profile(candidate_user, welding):
    return CandidateProfile.objects.create(
        user=candidate_user,
        full_name="Budi",
        nik=MALE_NIK,
        birth_place="Jakarta",
        birth_date=MALE_BIRTH_DATE,
        sex="M",
        phone="+6281234567890",
        address="Jl. Merdeka 1",
        province=Province.objects.get(code="31"),
        regency="Jakarta Pusat",
        school_name="SMK Negeri 1 Jakarta",
        school_npsn="20100001",
        major=welding,
        graduation_year=2024,
        average_grade=Decimal("82.5"),
    )


@pytest.fixture
def eligible_candidate(complete_profile):
    """A complete profile with every document the open programme asks for."""
    for kind in (DocumentKind.DIPLOMA, DocumentKind.IDENTITY_CARD):
        Document.objects.create(
            candidate=complete_profile,
            kind=kind,
            file=upload(f"{kind}.pdf", pdf_bytes()),
            original_name=f"{kind}.pdf",
            content_type="application/pdf",
            size=len(pdf_bytes()),
            sha256="0" * 64,
            status=DocumentStatus.PENDING,
        )
    return complete_profile


@pytest.fixture
def candidate_client(client, candidate_user):
    client.force_login(candidate_user)
    return client
