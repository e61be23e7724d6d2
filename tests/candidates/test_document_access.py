"""Who reads a candidate's document on the portal: the owner, and ministry staff holding
``candidates.view_document``; every read by staff is logged, and auditors see the log in the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from candidates import services
from candidates.models import AccessDoor, PersonalDataAccess
from programs.models import DocumentKind
from tests.accounts.factories import StaffFactory, UserFactory
from tests.files import png_bytes, upload

pytestmark = pytest.mark.django_db


def en(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


def read(response) -> bytes:
    """The file, read to its end (which lets the test client finish the request)."""
    return b"".join(response.streaming_content)


def bare_staff(*codenames: str):
    """An admin account of the ministry holding exactly the named permissions of candidates."""
    user = UserFactory(role=Role.STAFF, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="candidates", codename__in=codenames)
    )
    return user


@pytest.fixture
def ktp(complete_profile):
    return services.document_upload(
        candidate=complete_profile, kind=DocumentKind.IDENTITY_CARD, upload=upload("ktp.png", png_bytes())
    )


def test_staff_without_the_permission_get_404_like_a_missing_document(client, ktp):
    client.force_login(bare_staff())
    response = client.get(en("candidates:document_download", ktp.pk))
    assert response.status_code == 404
    assert png_bytes() not in response.content
    assert client.get(en("candidates:document_download", ktp.pk + 1000)).status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_staff_holding_view_document_download_and_the_read_is_logged(client, ktp):
    reader = bare_staff("view_document")
    client.force_login(reader)
    response = client.get(en("candidates:document_download", ktp.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    (access,) = PersonalDataAccess.objects.all()
    assert access.reader == reader
    assert access.document == ktp
    assert access.door == AccessDoor.DOCUMENT_DOWNLOAD
    assert access.accessed_at is not None
    assert access.partner is None


def test_the_ministry_staff_group_reads_documents_and_each_read_is_logged(client, ktp):
    client.force_login(StaffFactory())
    for _ in range(2):
        response = client.get(en("candidates:document_download", ktp.pk))
        assert response.status_code == 200
        assert read(response) == png_bytes()
    assert PersonalDataAccess.objects.filter(document=ktp).count() == 2


def test_the_owner_reading_their_own_document_is_not_logged(candidate_client, ktp):
    response = candidate_client.get(en("candidates:document_download", ktp.pk))
    assert response.status_code == 200
    assert read(response) == png_bytes()
    assert not PersonalDataAccess.objects.exists()


def test_a_missing_stored_file_is_not_logged_as_read(client, ktp):
    ktp.file.storage.delete(ktp.file.name)
    client.force_login(StaffFactory())
    assert client.get(en("candidates:document_download", ktp.pk)).status_code == 404
    assert not PersonalDataAccess.objects.exists()


# --- The access log in the admin -----------------------------------------------------


@pytest.fixture
def logged_read(client, ktp):
    reader = bare_staff("view_document")
    client.force_login(reader)
    assert read(client.get(en("candidates:document_download", ktp.pk))) == png_bytes()
    client.logout()
    return PersonalDataAccess.objects.get()


def test_auditors_with_the_view_permission_see_the_log(client, logged_read):
    client.force_login(bare_staff("view_personaldataaccess"))
    response = client.get(en("admin:candidates_personaldataaccess_changelist"), {"door": "document_download"})
    assert response.status_code == 200
    assert str(logged_read.reader) in response.content.decode()
    page = client.get(en("admin:candidates_personaldataaccess_change", logged_read.pk))
    assert page.status_code == 200
    # Read-only: no way to change or delete a record.
    deleted = client.post(en("admin:candidates_personaldataaccess_delete", logged_read.pk), {"post": "yes"})
    assert deleted.status_code == 403
    assert PersonalDataAccess.objects.filter(pk=logged_read.pk).exists()


def test_staff_without_the_view_permission_do_not_see_the_log(client, logged_read):
    for staff in (bare_staff("view_document"), StaffFactory()):
        client.force_login(staff)
        response = client.get(en("admin:candidates_personaldataaccess_changelist"))
        assert response.status_code == 403
        assert client.get(en("admin:candidates_personaldataaccess_change", logged_read.pk)).status_code == 403
