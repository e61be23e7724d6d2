"""Verifying a document in the admin is a deliberate decision on a document the staff member opened:
nothing is preselected, Save without a choice changes nothing, and there is no bulk "verify"."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from candidates import services
from candidates.models import Document, DocumentStatus
from p2mi_portal.errors import DomainError
from programs.models import DocumentKind
from tests.accounts.factories import UserFactory
from tests.files import png_bytes, upload

pytestmark = pytest.mark.django_db


def en(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


@pytest.fixture
def reviewer():
    """Ministry staff who may read and review documents, and nothing else."""
    user = UserFactory(role=Role.STAFF, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="candidates", codename__in=("view_document", "change_document")
        )
    )
    return user


@pytest.fixture
def staff_client(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def ktp(complete_profile):
    return services.document_upload(
        candidate=complete_profile, kind=DocumentKind.IDENTITY_CARD, upload=upload("ktp.png", png_bytes())
    )


def change_url(document: Document) -> str:
    return en("admin:candidates_document_change", document.pk)


def save(client, document: Document, **data):
    return client.post(change_url(document), {"rejection_reason": "", **data})


def download(client, document: Document) -> None:
    response = client.get(en("candidates:document_download", document.pk))
    assert response.status_code == 200
    b"".join(response.streaming_content)


def status_of(document: Document) -> str:
    document.refresh_from_db()
    return document.status


def test_a_pending_documents_page_preselects_no_decision(staff_client, ktp):
    response = staff_client.get(change_url(ktp))
    assert response.status_code == 200
    page = response.content.decode()
    verify = page.split('value="verified"')
    assert len(verify) == 2, "one radio button to verify"
    radio = verify[0].rsplit("<input", 1)[1] + verify[1].split(">", 1)[0]
    assert "checked" not in radio
    assert "checked" not in page.split('name="decision"', 1)[1].split("</div>", 1)[0]
    assert '<option value="verified" selected' not in page


def test_save_without_a_decision_changes_nothing(staff_client, ktp):
    response = save(staff_client, ktp)
    assert response.status_code == 200
    assert "Choose verify or reject." in response.content.decode()
    assert status_of(ktp) == DocumentStatus.PENDING
    ktp.refresh_from_db()
    assert ktp.reviewed_by is None and ktp.reviewed_at is None


def test_verifying_an_unopened_document_is_refused_with_a_link_to_open_it(staff_client, ktp):
    response = save(staff_client, ktp, decision="verified")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Open the document before you verify it: download it, check it, then verify." in page
    assert f'href="{en("candidates:document_download", ktp.pk)}"' in page
    assert status_of(ktp) == DocumentStatus.PENDING


def test_after_downloading_it_the_staff_member_verifies_it(staff_client, reviewer, ktp):
    download(staff_client, ktp)
    response = save(staff_client, ktp, decision="verified")
    assert response.status_code == 302
    ktp.refresh_from_db()
    assert ktp.status == DocumentStatus.VERIFIED
    assert ktp.reviewed_by == reviewer


def test_a_download_by_another_staff_member_does_not_count(client, staff_client, ktp):
    colleague = UserFactory(role=Role.STAFF, is_staff=True)
    colleague.user_permissions.set(Permission.objects.filter(codename="view_document"))
    other = client.__class__()
    other.force_login(colleague)
    download(other, ktp)
    save(staff_client, ktp, decision="verified")
    assert status_of(ktp) == DocumentStatus.PENDING


def test_rejecting_needs_a_reason(staff_client, ktp):
    response = save(staff_client, ktp, decision="rejected")
    assert response.status_code == 200
    assert "Give the reason for the rejection: the candidate sees it." in response.content.decode()
    assert status_of(ktp) == DocumentStatus.PENDING

    response = save(staff_client, ktp, decision="rejected", rejection_reason="Foto buram")
    assert response.status_code == 302
    ktp.refresh_from_db()
    assert (ktp.status, ktp.rejection_reason) == (DocumentStatus.REJECTED, "Foto buram")


def test_the_document_list_offers_no_bulk_verify(staff_client, ktp):
    page = staff_client.get(en("admin:candidates_document_changelist")).content.decode()
    assert "mark_verified" not in page
    response = staff_client.post(
        en("admin:candidates_document_changelist"),
        {"action": "mark_verified", "_selected_action": [str(ktp.pk)]},
    )
    assert response.status_code in (200, 302)
    assert status_of(ktp) == DocumentStatus.PENDING


def test_the_service_refuses_to_verify_an_unopened_document(reviewer, ktp):
    with pytest.raises(DomainError) as caught:
        services.document_review(document=ktp, status=DocumentStatus.VERIFIED, reason="", actor=reviewer)
    assert caught.value.code == "document_not_opened"
    assert status_of(ktp) == DocumentStatus.PENDING
