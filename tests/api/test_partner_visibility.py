"""What a partner sees: applications whose documents the ministry once verified, and only the
documents staff verified. Withdrawn or rejected before that, an application never reaches a partner.

Through the partner API, as a partner's HR system would ask.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from candidates import services
from candidates.models import Application, Document, DocumentStatus, PersonalDataAccess, Review, Stage
from programs.models import DocumentKind
from tests.accounts.factories import StaffFactory
from tests.candidates.factories import application_at, document_opened
from tests.files import pdf_bytes

LIST_URL = "/api/v1/applications/"


def detail_url(application_id: int) -> str:
    return reverse("api:application-detail", args=[application_id])


def document_url(application_id: int, document_id: int) -> str:
    return reverse("api:application-document", args=[application_id, document_id])


def listed(client, **params) -> list[int]:
    response = client.get(LIST_URL, params)
    assert response.status_code == 200, response.content[:500]
    return [row["id"] for row in response.json()["results"]]


def with_file(document: Document) -> Document:
    document.file.save("berkas.pdf", ContentFile(pdf_bytes()))
    return document


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def withdrawn_early(program):
    """Submitted, then withdrawn by the candidate before anyone screened it."""
    application = application_at(Stage.SUBMITTED, program=program)
    services.application_withdraw(application=application, actor=application.candidate.user, reason="")
    return application


@pytest.fixture
def rejected_at_screening(program, staff):
    """Rejected by staff during screening, its documents never verified."""
    application = application_at(Stage.SCREENING, program=program)
    services.application_move(
        application=application, to_stage=Stage.REJECTED, actor=staff, reason="Dokumen palsu"
    )
    return application


@pytest.fixture
def verified_then_rejected(program, staff):
    """Screened, documents verified, then rejected: the partner keeps seeing it."""
    application = application_at(Stage.SCREENING, program=program)
    services.application_move(application=application, to_stage=Stage.DOCUMENTS_VERIFIED, actor=staff)
    services.application_move(application=application, to_stage=Stage.REJECTED, actor=staff, reason="Kuota")
    return application


def test_applications_that_left_before_verification_are_never_listed(
    api_client, withdrawn_early, rejected_at_screening, verified_then_rejected
):
    assert Application.objects.get(pk=withdrawn_early.pk).stage == Stage.WITHDRAWN
    assert listed(api_client, stage="withdrawn") == []
    assert listed(api_client, stage="rejected") == [verified_then_rejected.pk]
    assert listed(api_client) == [verified_then_rejected.pk]


@pytest.mark.parametrize("which", ["withdrawn_early", "rejected_at_screening"])
def test_their_detail_and_documents_answer_like_missing_ones(api_client, request, which):
    application = request.getfixturevalue(which)
    document = with_file(Document.objects.filter(candidate=application.candidate).first())
    missing_detail = api_client.get(detail_url(987654321))
    response = api_client.get(detail_url(application.pk))
    assert response.status_code == 404
    assert response.content == missing_detail.content
    response = api_client.get(document_url(application.pk, document.pk))
    assert response.status_code == 404
    assert b"%PDF" not in response.content
    review = api_client.post(
        reverse("api:application-reviews", args=[application.pk]),
        {"score": 50, "recommendation": "neutral"},
        format="json",
    )
    assert review.status_code == 404
    assert not Review.objects.exists()
    assert not PersonalDataAccess.objects.exists()


def test_a_verified_application_reached_the_usual_way_is_listed(api_client, program, staff):
    application = application_at(Stage.SCREENING, program=program)
    assert listed(api_client) == []
    services.application_move(application=application, to_stage=Stage.DOCUMENTS_VERIFIED, actor=staff)
    application.refresh_from_db()
    assert application.documents_verified_at is not None
    assert listed(api_client, stage="documents_verified") == [application.pk]


def test_only_documents_staff_verified_are_listed_and_served(api_client, visible_application):
    candidate = visible_application.candidate
    passport = with_file(
        Document.objects.create(
            candidate=candidate,
            kind=DocumentKind.PASSPORT,
            original_name="paspor.pdf",
            content_type="application/pdf",
            size=100,
            sha256="0" * 64,
            status=DocumentStatus.PENDING,
        )
    )
    diploma = with_file(Document.objects.get(candidate=candidate, kind=DocumentKind.DIPLOMA))

    response = api_client.get(document_url(visible_application.pk, passport.pk))
    assert response.status_code == 404
    assert b"%PDF" not in response.content
    detail = api_client.get(detail_url(visible_application.pk)).json()
    assert passport.pk not in [d["id"] for d in detail["documents"]]
    assert diploma.pk in [d["id"] for d in detail["documents"]]

    response = api_client.get(document_url(visible_application.pk, diploma.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()

    # Verified by staff, the passport is served too; rejected, it is gone again.
    staff = StaffFactory()
    document_opened(passport, by=staff)
    services.document_review(document=passport, status=DocumentStatus.VERIFIED, reason="", actor=staff)
    assert api_client.get(document_url(visible_application.pk, passport.pk)).status_code == 200
    services.document_review(
        document=passport, status=DocumentStatus.REJECTED, reason="Buram", actor=StaffFactory()
    )
    assert api_client.get(document_url(visible_application.pk, passport.pk)).status_code == 404
