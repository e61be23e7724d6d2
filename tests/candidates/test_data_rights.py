"""Data rights (UU PDP): export of one's own data, and erasure on request once no
active application needs the data."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role
from candidates import services
from candidates.consent import CONSENT_VERSION
from candidates.models import (
    Application,
    ApplicationEvent,
    CandidateProfile,
    CompetencyCertificate,
    DeletionRequest,
    Document,
    LanguageSkill,
    Stage,
)
from tests.accounts.factories import PartnerUserFactory, StaffFactory, UserFactory
from tests.candidates.conftest import FEMALE_NIK, MALE_NIK
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def en(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [Path(folder, name) for folder, _dirs, names in os.walk(root) for name in names]


@pytest.fixture
def rich_candidate(eligible_candidate):
    """The eligible candidate with a certificate and a language as well as documents."""
    CompetencyCertificate.objects.create(
        candidate=eligible_candidate,
        issuer="bnsp",
        title="Juru Las SMAW 3G",
        number="BNSP-LAS-0001",
        issued_on=datetime.date(2024, 5, 2),
    )
    LanguageSkill.objects.create(candidate=eligible_candidate, language="ru", level="A2")
    return eligible_candidate


def submit(candidate, program) -> Application:
    return services.application_submit(
        candidate=candidate, program=program, track=program.tracks.order_by("id").first(), consent=True
    )


def assert_not_erased(candidate: CandidateProfile, files: list[Path]) -> None:
    candidate.refresh_from_db()
    candidate.user.refresh_from_db()
    assert candidate.nik == MALE_NIK
    assert candidate.full_name == "Budi"
    assert candidate.anonymised_at is None
    assert candidate.documents.count() == 2
    assert candidate.certificates.count() == 1
    assert candidate.languages.count() == 1
    assert candidate.user.is_active
    assert candidate.user.has_usable_password()
    assert candidate.user.email == "budi@contoh.id"
    assert files and all(path.exists() for path in files)


def assert_erased(candidate: CandidateProfile, files: list[Path]) -> None:
    candidate.refresh_from_db()
    user = candidate.user
    user.refresh_from_db()
    assert candidate.nik is None
    assert candidate.full_name == services.ANONYMISED_NAME != "Budi"
    assert candidate.birth_date is None
    assert (candidate.phone, candidate.address, candidate.birth_place, candidate.school_name) == (
        "",
        "",
        "",
        "",
    )
    assert candidate.anonymised_at is not None
    assert not Document.objects.filter(candidate=candidate).exists()
    assert not CompetencyCertificate.objects.filter(candidate=candidate).exists()
    assert not LanguageSkill.objects.filter(candidate=candidate).exists()
    assert files and not any(path.exists() for path in files)
    assert stored_files() == []
    assert not user.is_active
    assert not user.has_usable_password()
    assert user.email != "budi@contoh.id" and "budi" not in user.email.lower()
    assert (user.full_name, user.phone) == ("", "")


def document_files(candidate: CandidateProfile) -> list[Path]:
    return [Path(document.file.path) for document in candidate.documents.all()]


# --- Export --------------------------------------------------------------------------


def test_export_is_a_json_attachment_of_the_owners_data(candidate_client, rich_candidate, open_program):
    application = submit(rich_candidate, open_program)
    services.application_move(application=application, to_stage=Stage.SCREENING, actor=StaffFactory())

    response = candidate_client.get(en("candidates:data_export"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="p2mi-data-')
    assert response["Content-Disposition"].endswith('.json"')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "budi@contoh.id"
    profile = data["profile"]
    assert profile["nik"] == MALE_NIK
    assert profile["full_name"] == "Budi"
    assert profile["birth_date"] == "2004-08-15"
    assert profile["school_npsn"] == "20100001"
    assert profile["average_grade"] == "82.50"
    assert data["certificates"][0]["number"] == "BNSP-LAS-0001"
    assert data["languages"] == [{"language": "ru", "level": "A2"}]

    documents = {document["kind"]: document for document in data["documents"]}
    assert set(documents) == {"diploma", "identity_card"}
    assert documents["diploma"]["file_name"] == "diploma.pdf"
    assert documents["diploma"]["content_type"] == "application/pdf"
    assert documents["diploma"]["size"] > 0
    assert documents["diploma"]["status"] == "pending"
    # Metadata only: neither the stored path nor the file's content.
    for document in rich_candidate.documents.all():
        assert document.file.name not in response.content.decode()
    assert b"%PDF" not in response.content

    [exported] = data["applications"]
    assert exported["program"] == open_program.code
    assert exported["stage"] == Stage.SCREENING
    assert exported["consent_version"] == CONSENT_VERSION
    assert exported["consent_given_at"]
    assert [(event["from"], event["to"]) for event in exported["history"]] == [
        ("", Stage.SUBMITTED),
        (Stage.SUBMITTED, Stage.SCREENING),
    ]


def test_export_is_always_the_logged_in_candidates_own(client, rich_candidate):
    other_user = UserFactory(role=Role.CANDIDATE, email="siti@contoh.id", full_name="Siti")
    CandidateProfile.objects.create(user=other_user, full_name="Siti", nik=FEMALE_NIK)
    client.force_login(other_user)

    for query in ("", f"?candidate={rich_candidate.pk}", f"?user={rich_candidate.user_id}"):
        response = client.get(en("candidates:data_export") + query)
        assert response.status_code == 200
        data = json.loads(response.content)
        assert data["profile"]["nik"] == FEMALE_NIK
        assert data["account"]["email"] == "siti@contoh.id"
        assert data["documents"] == []
        assert MALE_NIK.encode() not in response.content
        assert b"budi@contoh.id" not in response.content


@pytest.mark.parametrize("make_user", [StaffFactory, PartnerUserFactory], ids=["staff", "partner"])
def test_export_is_for_candidates_only(client, rich_candidate, make_user):
    client.force_login(make_user())
    response = client.get(en("candidates:data_export"))
    assert response.status_code == 403
    assert MALE_NIK.encode() not in response.content


def test_anonymous_export_goes_to_the_login_page(client, rich_candidate):
    response = client.get(en("candidates:data_export"))
    assert response.status_code == 302
    assert response["Location"].startswith(en("accounts:login") + "?next=")
    assert MALE_NIK.encode() not in response.content


# --- Erasure without an active application -------------------------------------------


def test_erasure_with_no_active_application_is_immediate(
    candidate_client, rich_candidate, open_program, django_capture_on_commit_callbacks
):
    application = submit(rich_candidate, open_program)
    services.application_withdraw(application=application, actor=rich_candidate.user)
    files = document_files(rich_candidate)
    assert len(files) == 2 and all(path.exists() for path in files)

    with django_capture_on_commit_callbacks(execute=True):
        response = candidate_client.post(en("candidates:data"), {"confirm": "on", "reason": "Tidak jadi"})

    assert response.status_code == 302 and response["Location"] == en("programs:list")
    assert_erased(rich_candidate, files)
    request = DeletionRequest.objects.get(candidate=rich_candidate)
    assert request.decision == DeletionRequest.Decision.ANONYMISED
    assert request.decided_at is not None
    assert request.decided_at <= timezone.now()
    # Logged out.
    assert "_auth_user_id" not in candidate_client.session
    home = candidate_client.get(en("candidates:home"))
    assert home.status_code == 302 and home["Location"].startswith(en("accounts:login"))
    # The applications stay, for statistics, with their history.
    application.refresh_from_db()
    assert application.candidate_id == rich_candidate.pk
    assert application.stage == Stage.WITHDRAWN
    assert ApplicationEvent.objects.filter(application=application).count() == 2


def test_erasure_of_a_candidate_who_never_applied(
    candidate_client, rich_candidate, django_capture_on_commit_callbacks
):
    files = document_files(rich_candidate)
    with django_capture_on_commit_callbacks(execute=True):
        response = candidate_client.post(en("candidates:data"), {"confirm": "on"}, follow=True)
    assert "Your personal data has been erased." in response.content.decode()
    assert_erased(rich_candidate, files)
    assert (
        DeletionRequest.objects.get(candidate=rich_candidate).decision == DeletionRequest.Decision.ANONYMISED
    )


def test_erasure_without_confirmation_is_refused(
    candidate_client, rich_candidate, django_capture_on_commit_callbacks
):
    files = document_files(rich_candidate)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = candidate_client.post(en("candidates:data"), {"reason": "Hapus saja"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert callbacks == []
    assert not DeletionRequest.objects.exists()
    assert_not_erased(rich_candidate, files)
    assert candidate_client.get(en("candidates:home")).status_code == 200


# --- Erasure while an application is active ------------------------------------------


@pytest.fixture
def active_application(rich_candidate, open_program):
    return submit(rich_candidate, open_program)


def test_erasure_waits_for_an_active_application(candidate_client, rich_candidate, active_application):
    files = document_files(rich_candidate)
    response = candidate_client.post(en("candidates:data"), {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == en("candidates:data")
    request = DeletionRequest.objects.get(candidate=rich_candidate)
    assert request.decision == DeletionRequest.Decision.PENDING
    assert request.decided_at is None
    assert_not_erased(rich_candidate, files)
    page = candidate_client.get(en("candidates:data")).content.decode()
    assert "Waiting until no active application needs the data" in page


def test_a_finished_application_does_not_hold_back_while_an_active_one_does(
    candidate_client, rich_candidate, active_application
):
    other = ProgramFactory()
    Application.objects.create(
        candidate=rich_candidate,
        program=other,
        preferred_track=other.tracks.get(),
        stage=Stage.REJECTED,
        consent_version=CONSENT_VERSION,
        consent_given_at=timezone.now(),
    )
    files = document_files(rich_candidate)
    candidate_client.post(en("candidates:data"), {"confirm": "on"})
    assert DeletionRequest.objects.get(candidate=rich_candidate).decision == DeletionRequest.Decision.PENDING
    assert_not_erased(rich_candidate, files)


def test_withdrawing_through_the_page_carries_out_the_pending_request(
    candidate_client, rich_candidate, active_application, django_capture_on_commit_callbacks
):
    files = document_files(rich_candidate)
    candidate_client.post(en("candidates:data"), {"confirm": "on"})
    assert_not_erased(rich_candidate, files)

    with django_capture_on_commit_callbacks(execute=True):
        response = candidate_client.post(en("candidates:withdraw", active_application.pk), {"reason": ""})

    assert response.status_code == 302
    active_application.refresh_from_db()
    assert active_application.stage == Stage.WITHDRAWN
    assert_erased(rich_candidate, files)
    request = DeletionRequest.objects.get(candidate=rich_candidate)
    assert request.decision == DeletionRequest.Decision.ANONYMISED
    assert request.decided_at is not None and request.decided_at >= request.requested_at


def test_withdrawing_through_the_service_carries_out_the_pending_request(
    rich_candidate, active_application, django_capture_on_commit_callbacks
):
    services.deletion_request_create(candidate=rich_candidate, reason="")
    files = document_files(rich_candidate)
    assert_not_erased(rich_candidate, files)

    with django_capture_on_commit_callbacks(execute=True):
        services.application_withdraw(application=active_application, actor=rich_candidate.user)

    assert_erased(rich_candidate, files)
    request = DeletionRequest.objects.get(candidate=rich_candidate)
    assert request.decision == DeletionRequest.Decision.ANONYMISED
    assert request.decided_at is not None
    assert Application.objects.filter(pk=active_application.pk, stage=Stage.WITHDRAWN).exists()


def test_a_staff_rejection_also_carries_out_the_pending_request(
    rich_candidate, active_application, django_capture_on_commit_callbacks
):
    services.deletion_request_create(candidate=rich_candidate, reason="")
    files = document_files(rich_candidate)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_move(
            application=active_application,
            to_stage=Stage.REJECTED,
            actor=StaffFactory(),
            reason="Kuota penuh",
        )
    assert_erased(rich_candidate, files)
    assert (
        DeletionRequest.objects.get(candidate=rich_candidate).decision == DeletionRequest.Decision.ANONYMISED
    )


def test_erasure_deletes_the_log_in_records_of_the_account(
    candidate_client, rich_candidate, settings, django_capture_on_commit_callbacks
):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.test import Client

    from tests.accounts.factories import TEST_PASSWORD

    settings.AXES_ENABLE_ACCESS_FAILURE_LOG = True
    email = rich_candidate.user.email
    other = UserFactory(email="lain@contoh.id")
    login = en("accounts:login")
    # A log-in of the candidate's, then wrong passwords for it, and the same for someone else.
    for address, password in ((email, TEST_PASSWORD), (email.upper(), "salah"), (other.email, TEST_PASSWORD)):
        Client(HTTP_USER_AGENT="Firefox").post(login, {"username": address, "password": password})
    Client().post(login, {"username": other.email, "password": "salah"})
    assert AccessLog.objects.filter(username__iexact=email).exists()
    assert AccessAttempt.objects.filter(username__iexact=email).exists()
    assert AccessFailureLog.objects.filter(username__iexact=email).exists()

    with django_capture_on_commit_callbacks(execute=True):
        candidate_client.post(en("candidates:data"), {"confirm": "on"})

    for model in (AccessLog, AccessAttempt, AccessFailureLog):
        assert not model.objects.filter(username__iexact=email).exists()
        assert model.objects.filter(username=other.email).exists()
