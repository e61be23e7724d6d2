"""Once staff verify an identity document, the profile fields it proves are locked for the
candidate; staff correct them in the admin, which sends the documents back to review and records
the change in the history of each active application."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from candidates import services
from candidates.models import ApplicationEvent, Document, DocumentStatus, Stage
from candidates.proofs import PROVEN_FIELDS
from programs.models import DocumentKind
from tests.accounts.factories import StaffFactory
from tests.candidates.factories import application_at, document_opened
from tests.files import pdf_bytes, upload
from tests.programs.factories import ProgramFactory

from .conftest import MALE_NIK
from .test_profile import profile_data

pytestmark = pytest.mark.django_db

OTHER_NIK = "3171011508040009"  # also a man born 15 Aug 2004 in Jakarta, another serial


def en(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


def verify(document: Document) -> Document:
    staff = StaffFactory()
    document_opened(document, by=staff)
    return services.document_review(document=document, status=DocumentStatus.VERIFIED, reason="", actor=staff)


@pytest.fixture
def ktp_verified(eligible_candidate):
    return verify(Document.objects.get(candidate=eligible_candidate, kind=DocumentKind.IDENTITY_CARD))


@pytest.fixture
def diploma_verified(eligible_candidate):
    return verify(Document.objects.get(candidate=eligible_candidate, kind=DocumentKind.DIPLOMA))


def test_every_document_kind_in_the_table_exists_and_every_field_is_on_the_profile():
    from candidates.forms import ProfileForm

    for kind, fields in PROVEN_FIELDS.items():
        assert kind in DocumentKind.values
        assert set(fields) <= set(ProfileForm.base_fields)


def test_before_verification_every_field_is_editable(candidate_client, eligible_candidate):
    page = candidate_client.get(en("candidates:profile")).content.decode()
    assert 'name="nik"' in page
    assert 'id="locked-fields"' not in page


def test_a_verified_ktp_shows_what_it_proves_as_text_with_how_to_correct_it(candidate_client, ktp_verified):
    response = candidate_client.get(en("candidates:profile"))
    page = response.content.decode()
    for name in ("nik", "full_name", "birth_place", "birth_date", "sex"):
        assert f'name="{name}"' not in page, name
    assert MALE_NIK in page  # the owner still reads it
    assert 'id="locked-fields"' in page
    assert en("complaints:list") in page
    # What the KTP does not prove stays editable.
    for name in ("address", "phone", "school_name", "passport_number"):
        assert f'name="{name}"' in page, name


def test_a_tampered_post_changing_a_locked_field_is_refused_and_nothing_is_saved(
    candidate_client, ktp_verified, welding
):
    candidate = ktp_verified.candidate
    data = profile_data(welding, nik=OTHER_NIK, full_name="Budi Palsu", address="Jl. Baru 9")
    response = candidate_client.post(en("candidates:profile"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "cannot be changed here" in page
    assert "Nothing was saved" in page
    candidate.refresh_from_db()
    assert candidate.nik == MALE_NIK
    assert candidate.full_name == "Budi"
    assert candidate.address == "Jl. Merdeka 1"


def test_the_page_as_rendered_saves_the_free_fields_and_keeps_the_proven_ones(
    candidate_client, ktp_verified, welding
):
    candidate = ktp_verified.candidate
    proven = PROVEN_FIELDS[DocumentKind.IDENTITY_CARD]
    data = {k: v for k, v in profile_data(welding, address="Jl. Baru 9").items() if k not in proven}
    response = candidate_client.post(en("candidates:profile"), data)
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.address == "Jl. Baru 9"
    assert candidate.nik == MALE_NIK
    # A stale page that still sends the same proven values is fine too.
    assert (
        candidate_client.post(en("candidates:profile"), profile_data(welding, address="Jl. Lain")).status_code
        == 302
    )


def test_a_verified_diploma_locks_the_grades(candidate_client, diploma_verified, welding):
    candidate = diploma_verified.candidate
    page = candidate_client.get(en("candidates:profile")).content.decode()
    assert 'name="average_grade"' not in page
    assert 'name="nik"' in page  # the KTP is still waiting
    response = candidate_client.post(en("candidates:profile"), profile_data(welding, average_grade="99"))
    assert response.status_code == 200
    candidate.refresh_from_db()
    assert str(candidate.average_grade) == "82.50"


def test_the_service_refuses_a_locked_change_whoever_calls_it(ktp_verified):
    from p2mi_portal.errors import DomainError

    with pytest.raises(DomainError) as refused:
        services.candidate_profile_update(candidate=ktp_verified.candidate, data={"nik": OTHER_NIK})
    assert refused.value.code == "field_locked"
    assert "nik" in refused.value.fields


# --- Staff correct in the admin ----------------------------------------------------------------


def admin_post_data(response) -> dict:
    """What the admin's candidate page posts back unchanged: the form and its inline formsets."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for each in formset.forms:
            for name in each.fields:
                value = each[name].value()
                if value is not None:
                    data[each.add_prefix(name)] = value
    return data


def test_a_staff_correction_sends_the_proof_back_to_review_and_is_recorded(
    client, ktp_verified, diploma_verified
):
    candidate = ktp_verified.candidate
    program = ProgramFactory(required_document_kinds=[DocumentKind.DIPLOMA])
    active = application_at(Stage.DOCUMENTS_VERIFIED, program=program, candidate=candidate)
    finished = application_at(Stage.WITHDRAWN, program=ProgramFactory(), candidate=candidate)
    staff = StaffFactory()
    client.force_login(staff)
    url = en("admin:candidates_candidateprofile_change", candidate.pk)
    data = admin_post_data(client.get(url))
    data.update(nik=OTHER_NIK, full_name="Budi Santoso")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    candidate.refresh_from_db()
    assert (candidate.nik, candidate.full_name) == (OTHER_NIK, "Budi Santoso")
    ktp_verified.refresh_from_db()
    diploma_verified.refresh_from_db()
    assert ktp_verified.status == DocumentStatus.PENDING
    assert diploma_verified.status == DocumentStatus.VERIFIED  # proves neither field

    (event,) = ApplicationEvent.objects.filter(application=active, actor=staff)
    assert event.from_stage == event.to_stage == Stage.DOCUMENTS_VERIFIED
    assert sorted(event.data["profile_corrected"]) == ["full_name", "nik"]
    assert event.data["documents_to_review"] == [DocumentKind.IDENTITY_CARD]
    for personal in (OTHER_NIK, MALE_NIK, "Budi Santoso"):
        assert personal not in event.reason
        assert personal not in str(event.data)
    assert not ApplicationEvent.objects.filter(application=finished, actor=staff).exists()
    active.refresh_from_db()
    assert active.stage == Stage.DOCUMENTS_VERIFIED


def test_a_staff_correction_of_a_free_field_leaves_documents_and_history_alone(client, ktp_verified):
    candidate = ktp_verified.candidate
    active = application_at(Stage.SCREENING, program=ProgramFactory(), candidate=candidate)
    staff = StaffFactory()
    client.force_login(staff)
    url = en("admin:candidates_candidateprofile_change", candidate.pk)
    data = admin_post_data(client.get(url))
    data.update(address="Jl. Koreksi 2")
    assert client.post(url, data).status_code == 302
    ktp_verified.refresh_from_db()
    assert ktp_verified.status == DocumentStatus.VERIFIED
    assert not ApplicationEvent.objects.filter(application=active, actor=staff).exists()


def test_a_new_upload_is_possible_once_the_document_is_back_in_review(client, ktp_verified):
    services.candidate_profile_correct(
        candidate=ktp_verified.candidate, data={"birth_place": "Bogor"}, actor=StaffFactory()
    )
    ktp_verified.refresh_from_db()
    assert ktp_verified.status == DocumentStatus.PENDING
    replaced = services.document_upload(
        candidate=ktp_verified.candidate,
        kind=DocumentKind.IDENTITY_CARD,
        upload=upload("ktp.pdf", pdf_bytes()),
    )
    assert replaced.pk == ktp_verified.pk
