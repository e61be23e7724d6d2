"""Documents: upload judged by content, refusals that leave nothing behind, private storage,
download rights, re-upload, and the staff review in the admin."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from candidates import services
from candidates.models import Document, DocumentStatus
from p2mi_portal.errors import Conflict, DomainError
from programs.models import DocumentKind
from tests.accounts.factories import PartnerUserFactory, StaffFactory, UserFactory
from tests.candidates.factories import document_opened
from tests.files import jpeg_bytes, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db

EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
HTML_BYTES = (
    b"<!DOCTYPE html><html><head><title>Ijazah</title></head><body><script>alert(1)</script></body></html>"
)
SVG_BYTES = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
)
NOT_ALLOWED = (
    "This file is not a PDF, JPEG or PNG document (whatever its name says). "
    "Scan or photograph the document and upload it as PDF, JPEG, PNG."
)


def en(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


def stored_files() -> list[Path]:
    """Every file under MEDIA_ROOT (an absent directory holds none)."""
    root = Path(settings.MEDIA_ROOT)
    return [Path(folder, name) for folder, _dirs, names in os.walk(root) for name in names]


def post_upload(client, kind: str, name: str, content: bytes, content_type: str = "application/octet-stream"):
    return client.post(
        en("candidates:documents"), {"kind": kind, "file": upload(name, content, content_type)}
    )


def body(response) -> bytes:
    content = b"".join(response.streaming_content)
    response.close()
    return content


# --- Accepted uploads ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected_type"),
    [
        ("ijazah.pdf", pdf_bytes(), "application/pdf"),
        ("foto.jpg", jpeg_bytes(), "image/jpeg"),
        ("ktp.png", png_bytes(), "image/png"),
        # Judged by content, not by name or declared type.
        ("scan.pdf", png_bytes(), "image/png"),
    ],
)
def test_pdf_jpeg_and_png_are_accepted_by_content(
    candidate_client, complete_profile, name, content, expected_type
):
    response = post_upload(candidate_client, DocumentKind.DIPLOMA, name, content, "application/pdf")
    assert response.status_code == 302 and response["Location"] == en("candidates:documents")
    document = Document.objects.get(candidate=complete_profile, kind=DocumentKind.DIPLOMA)
    assert document.content_type == expected_type
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.status == DocumentStatus.PENDING
    assert document.original_name == name
    with document.file.open("rb") as stored:
        assert stored.read() == content
    assert len(stored_files()) == 1


def test_the_upload_is_confirmed_on_the_documents_page(candidate_client, complete_profile):
    response = candidate_client.post(
        en("candidates:documents"),
        {"kind": DocumentKind.PASSPORT, "file": upload("paspor.pdf", pdf_bytes())},
        follow=True,
    )
    page = response.content.decode()
    assert "Passport uploaded. Staff will verify it." in page
    assert "Waiting for verification" in page


# --- Refused uploads -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "messages"),
    [
        ("ijazah.pdf", EXE_BYTES, [NOT_ALLOWED]),
        ("ijazah.html", HTML_BYTES, [NOT_ALLOWED]),
        ("ijazah.svg", SVG_BYTES, [NOT_ALLOWED]),
        # Django's form refuses an empty file before the service sees it; the allowed
        # types stand next to the error in the field's help.
        ("ijazah.pdf", b"", ["The submitted file is empty.", "PDF, JPEG or PNG, at most 5 MB."]),
    ],
    ids=["renamed-exe", "html", "svg", "empty"],
)
def test_refused_uploads_say_why_and_save_nothing(
    candidate_client, complete_profile, name, content, messages
):
    response = post_upload(candidate_client, DocumentKind.DIPLOMA, name, content, "application/pdf")
    assert response.status_code == 200
    page = response.content.decode()
    for message in messages:
        assert message in page
    assert 'class="error"' in page
    assert not Document.objects.exists()
    assert stored_files() == []


def test_an_oversized_file_is_refused_with_the_limit(candidate_client, complete_profile, settings):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    content = pdf_bytes() + b"\x00" * (1024 * 1024)
    response = post_upload(candidate_client, DocumentKind.DIPLOMA, "ijazah.pdf", content, "application/pdf")
    assert response.status_code == 200
    assert "The file is 1.0 MB; at most 1 MB is allowed." in response.content.decode()
    assert not Document.objects.exists()
    assert stored_files() == []


def test_a_file_at_the_limit_is_accepted(candidate_client, complete_profile, settings):
    content = pdf_bytes()
    settings.DOCUMENT_MAX_BYTES = len(content)
    response = post_upload(candidate_client, DocumentKind.DIPLOMA, "ijazah.pdf", content)
    assert response.status_code == 302
    assert Document.objects.filter(candidate=complete_profile, size=len(content)).exists()


def test_an_unknown_kind_is_refused(candidate_client, complete_profile):
    response = post_upload(candidate_client, "bank_statement", "rekening.pdf", pdf_bytes())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice. bank_statement is not one of the available choices." in page
    # The allowed kinds are offered in the same field.
    assert f'<option value="{DocumentKind.DIPLOMA}"' in page
    assert not Document.objects.exists()
    assert stored_files() == []


@pytest.mark.parametrize(
    ("kind", "content", "code"),
    [
        ("bank_statement", pdf_bytes(), "invalid_kind"),
        (DocumentKind.DIPLOMA, EXE_BYTES, "file_type_not_allowed"),
        (DocumentKind.DIPLOMA, HTML_BYTES, "file_type_not_allowed"),
        (DocumentKind.DIPLOMA, SVG_BYTES, "file_type_not_allowed"),
        (DocumentKind.DIPLOMA, b"", "empty_file"),
    ],
)
def test_the_service_refuses_and_stores_nothing(complete_profile, kind, content, code):
    with pytest.raises(DomainError) as caught:
        services.document_upload(candidate=complete_profile, kind=kind, upload=upload("x.pdf", content))
    assert caught.value.code == code
    assert not Document.objects.exists()
    assert stored_files() == []


def test_the_service_message_for_an_empty_file_names_the_allowed_types(complete_profile):
    with translation.override("en"):
        with pytest.raises(DomainError) as caught:
            services.document_upload(
                candidate=complete_profile, kind=DocumentKind.DIPLOMA, upload=upload("x.pdf", b"")
            )
        assert str(caught.value.message) == "The file is empty. Upload a PDF, JPEG, PNG file."


def test_the_service_refuses_an_oversized_file_with_the_limit(complete_profile, settings):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    content = pdf_bytes() + b"\x00" * (3 * 1024 * 1024)
    with translation.override("en"):
        with pytest.raises(DomainError) as caught:
            services.document_upload(
                candidate=complete_profile, kind=DocumentKind.DIPLOMA, upload=upload("x.pdf", content)
            )
        assert caught.value.code == "file_too_large"
        assert str(caught.value.message) == "The file is 3.0 MB; at most 1 MB is allowed."
    assert stored_files() == []


# --- Private storage -----------------------------------------------------------------


def test_stored_under_a_random_name_and_never_served_by_url(candidate_client, complete_profile, client):
    response = post_upload(candidate_client, DocumentKind.DIPLOMA, "ijazah-budi-santoso.pdf", pdf_bytes())
    assert response.status_code == 302
    document = Document.objects.get(candidate=complete_profile)
    relative = Path(document.file.path).resolve().relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert stored_files() == [Path(document.file.path)]
    stored = str(relative).lower()
    assert "ijazah" not in stored and "santoso" not in stored and ".pdf" not in stored
    assert complete_profile.full_name.lower() not in stored
    assert complete_profile.nik not in stored
    assert str(complete_profile.pk) not in relative.parts
    # No URL serves the stored file, to the owner or to anyone else.
    for who in (candidate_client, client):
        for url in (
            f"/media/{document.file.name}",
            f"/{settings.MEDIA_URL.strip('/')}/{document.file.name}".replace("//", "/"),
            f"/en/media/{document.file.name}",
        ):
            served = who.get(url)
            assert served.status_code == 404, url
            assert pdf_bytes() not in served.content


# --- Download ------------------------------------------------------------------------


@pytest.fixture
def png_document(complete_profile):
    return services.document_upload(
        candidate=complete_profile,
        kind=DocumentKind.IDENTITY_CARD,
        upload=upload("ktp-budi.png", png_bytes()),
    )


def test_the_owner_downloads_the_exact_file_as_an_attachment(candidate_client, png_document):
    response = candidate_client.get(en("candidates:document_download", png_document.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment")
    assert "ktp-budi" not in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert body(response) == png_bytes()


def test_another_candidate_gets_404(client, png_document):
    other = UserFactory(role=Role.CANDIDATE)
    client.force_login(other)
    response = client.get(en("candidates:document_download", png_document.pk))
    assert response.status_code == 404
    assert png_bytes() not in response.content


def test_a_partner_user_gets_404(client, png_document):
    client.force_login(PartnerUserFactory())
    response = client.get(en("candidates:document_download", png_document.pk))
    assert response.status_code == 404
    assert png_bytes() not in response.content


def test_a_missing_document_is_404(candidate_client, png_document):
    assert candidate_client.get(en("candidates:document_download", png_document.pk + 1000)).status_code == 404


def test_a_document_whose_stored_file_is_gone_is_404(candidate_client, png_document, caplog):
    png_document.file.storage.delete(png_document.file.name)
    response = candidate_client.get(en("candidates:document_download", png_document.pk))
    assert response.status_code == 404
    assert f"document {png_document.pk}: the stored file is missing" in caplog.text


def test_anonymous_is_sent_to_the_login_page(client, png_document):
    url = en("candidates:document_download", png_document.pk)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(en("accounts:login") + "?next=")
    assert url in response["Location"].replace("%2F", "/")


def test_ministry_staff_download(client, png_document):
    client.force_login(StaffFactory())
    response = client.get(en("candidates:document_download", png_document.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment")
    assert body(response) == png_bytes()


# --- Re-upload -----------------------------------------------------------------------


def test_a_rejected_document_is_replaced_in_place(
    candidate_client, complete_profile, django_capture_on_commit_callbacks
):
    first = services.document_upload(
        candidate=complete_profile, kind=DocumentKind.DIPLOMA, upload=upload("buram.pdf", pdf_bytes())
    )
    old_path = Path(first.file.path)
    services.document_review(
        document=first, status=DocumentStatus.REJECTED, reason="Tidak terbaca", actor=StaffFactory()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(candidate_client, DocumentKind.DIPLOMA, "jelas.png", png_bytes())
    assert response.status_code == 302
    document = Document.objects.get(candidate=complete_profile, kind=DocumentKind.DIPLOMA)
    assert document.pk == first.pk
    assert document.status == DocumentStatus.PENDING
    assert document.rejection_reason == ""
    assert document.reviewed_by is None and document.reviewed_at is None
    assert (document.content_type, document.original_name) == ("image/png", "jelas.png")
    assert document.sha256 == hashlib.sha256(png_bytes()).hexdigest()
    assert not old_path.exists()
    assert stored_files() == [Path(document.file.path)]
    with document.file.open("rb") as stored:
        assert stored.read() == png_bytes()


def test_a_verified_document_cannot_be_replaced(
    candidate_client, complete_profile, django_capture_on_commit_callbacks
):
    document = services.document_upload(
        candidate=complete_profile, kind=DocumentKind.DIPLOMA, upload=upload("ijazah.pdf", pdf_bytes())
    )
    staff = StaffFactory()
    document_opened(document, by=staff)
    services.document_review(document=document, status=DocumentStatus.VERIFIED, reason="", actor=staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(candidate_client, DocumentKind.DIPLOMA, "lain.png", png_bytes())
    assert response.status_code == 200
    assert (
        "Your Diploma (ijazah) is already verified and cannot be replaced. Contact the ministry to change it."
        in response.content.decode()
    )
    document.refresh_from_db()
    assert document.status == DocumentStatus.VERIFIED
    assert (document.content_type, document.original_name) == ("application/pdf", "ijazah.pdf")
    assert stored_files() == [Path(document.file.path)]
    with document.file.open("rb") as stored:
        assert stored.read() == pdf_bytes()
    with pytest.raises(Conflict) as caught:
        services.document_upload(
            candidate=complete_profile, kind=DocumentKind.DIPLOMA, upload=upload("lain.png", png_bytes())
        )
    assert caught.value.code == "document_verified"
    assert stored_files() == [Path(document.file.path)]


def test_the_documents_page_offers_no_replace_link_for_a_verified_document(
    candidate_client, complete_profile
):
    document = services.document_upload(
        candidate=complete_profile, kind=DocumentKind.DIPLOMA, upload=upload("ijazah.pdf", pdf_bytes())
    )
    staff = StaffFactory()
    document_opened(document, by=staff)
    services.document_review(document=document, status=DocumentStatus.VERIFIED, reason="", actor=staff)
    page = candidate_client.get(en("candidates:documents")).content.decode()
    row = page.split('id="document-diploma"')[1].split("</tr>")[0]
    assert "Verified" in row
    assert "Replace" not in row


# --- Staff review --------------------------------------------------------------------


@pytest.fixture
def staff_client(client):
    staff = StaffFactory()
    client.force_login(staff)
    client.staff = staff
    return client


def admin_review(client, document, status, reason):
    return client.post(
        en("admin:candidates_document_change", document.pk),
        {"decision": status, "rejection_reason": reason, "_save": "Save"},
    )


def test_rejecting_without_a_reason_is_refused_in_the_admin(staff_client, png_document):
    response = admin_review(staff_client, png_document, DocumentStatus.REJECTED, "   ")
    assert response.status_code == 200
    assert "Give the reason for the rejection: the candidate sees it." in response.content.decode()
    png_document.refresh_from_db()
    assert png_document.status == DocumentStatus.PENDING
    assert png_document.reviewed_by is None and png_document.reviewed_at is None


def test_rejecting_with_a_reason_is_stored_and_shown_to_the_candidate(
    staff_client, png_document, complete_profile
):
    response = admin_review(staff_client, png_document, DocumentStatus.REJECTED, "Foto KTP buram")
    assert response.status_code == 302
    png_document.refresh_from_db()
    assert png_document.status == DocumentStatus.REJECTED
    assert png_document.rejection_reason == "Foto KTP buram"
    assert png_document.reviewed_by == staff_client.staff
    assert png_document.reviewed_at is not None

    staff_client.force_login(complete_profile.user)
    page = staff_client.get(en("candidates:documents")).content.decode()
    row = page.split('id="document-identity_card"')[1].split("</tr>")[0]
    assert "Rejected" in row
    assert "Reason: Foto KTP buram" in row
    assert "Replace" in row


def test_verifying_in_the_admin_records_the_reviewer(staff_client, png_document):
    download = staff_client.get(en("candidates:document_download", png_document.pk))
    assert download.status_code == 200
    b"".join(download.streaming_content)
    response = admin_review(staff_client, png_document, DocumentStatus.VERIFIED, "")
    assert response.status_code == 302
    png_document.refresh_from_db()
    assert png_document.status == DocumentStatus.VERIFIED
    assert png_document.reviewed_by == staff_client.staff
    assert png_document.reviewed_at is not None


@pytest.mark.parametrize(
    "make_actor",
    [
        lambda: UserFactory(role=Role.CANDIDATE),
        lambda: PartnerUserFactory(),
        lambda: StaffFactory(is_active=False),
        lambda: UserFactory(role=Role.STAFF, is_staff=False),
    ],
    ids=["candidate", "partner", "inactive-staff", "staff-role-without-admin"],
)
def test_document_review_refuses_a_non_staff_actor(png_document, make_actor):
    with pytest.raises(DomainError) as caught:
        services.document_review(
            document=png_document, status=DocumentStatus.VERIFIED, reason="", actor=make_actor()
        )
    assert caught.value.code == "forbidden"
    png_document.refresh_from_db()
    assert png_document.status == DocumentStatus.PENDING
    assert png_document.reviewed_by is None


def test_document_review_requires_a_reason_to_reject(png_document):
    with pytest.raises(DomainError) as caught:
        services.document_review(
            document=png_document, status=DocumentStatus.REJECTED, reason="  ", actor=StaffFactory()
        )
    assert caught.value.code == "reason_required"
    png_document.refresh_from_db()
    assert png_document.status == DocumentStatus.PENDING
