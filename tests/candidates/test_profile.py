"""The candidate's profile: names as people write them, a NIK that agrees with the person,
nothing half-saved."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse
from django.utils import translation

from candidates.models import CandidateProfile
from p2mi_portal.indonesia import mask_nik, nik_problems
from p2mi_portal.logging import RedactPersonalData
from tests.accounts.factories import PartnerUserFactory, StaffFactory, UserFactory
from tests.candidates.conftest import FEMALE_NIK, MALE_BIRTH_DATE, MALE_NIK

pytestmark = pytest.mark.django_db


def en(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


def profile_data(welding, **overrides) -> dict:
    data = {
        "full_name": "Budi",
        "nik": MALE_NIK,
        "birth_place": "Jakarta",
        "birth_date": MALE_BIRTH_DATE.isoformat(),
        "sex": "M",
        "phone": "0812 3456 7890",
        "address": "Jl. Merdeka 1",
        "province": "31",
        "regency": "Jakarta Pusat",
        "school_name": "SMK Negeri 1 Jakarta",
        "school_npsn": "20100001",
        "major": str(welding.pk),
        "graduation_year": "2024",
        "average_grade": "82.5",
        "passport_number": "",
        "passport_expiry": "",
    }
    data.update(overrides)
    return data


def test_candidate_fills_the_profile(candidate_client, candidate_user, welding):
    response = candidate_client.post(en("candidates:profile"), profile_data(welding))
    assert response.status_code == 302
    profile = CandidateProfile.objects.get(user=candidate_user)
    assert profile.nik == MALE_NIK
    assert profile.phone == "+6281234567890"
    assert profile.province.name == "DKI Jakarta"
    assert str(profile.average_grade) == "82.50"
    candidate_user.refresh_from_db()
    assert candidate_user.phone == "+6281234567890"


@pytest.mark.parametrize("name", ["Sukarno", "Ni Luh Putu Ayu", "Ma'ruf", "Siti Nur-Aisyah", "Zoë Pratiwi"])
def test_names_are_kept_as_written(candidate_client, candidate_user, welding, name):
    response = candidate_client.post(en("candidates:profile"), profile_data(welding, full_name=f"  {name} "))
    assert response.status_code == 302
    assert CandidateProfile.objects.get(user=candidate_user).full_name == name


def test_a_woman_has_forty_added_to_the_birth_day(candidate_client, candidate_user, welding):
    data = profile_data(welding, nik=FEMALE_NIK, sex="F", province="32")
    assert candidate_client.post(en("candidates:profile"), data).status_code == 302
    assert CandidateProfile.objects.get(user=candidate_user).nik == FEMALE_NIK


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"nik": "317101150804000"}, "A NIK has exactly 16 digits."),
        ({"nik": "31710115080400AB"}, "A NIK has exactly 16 digits."),
        ({"nik": "9971011508040001"}, "are not a province code"),
        ({"nik": "3171019908040001"}, "are not a birth date"),
        ({"nik": "3171011608040001"}, "do not match the birth date and sex given"),
        ({"sex": "F"}, "40 is added to the day"),
        ({"nik": FEMALE_NIK}, "do not match the birth date and sex given"),
        ({"school_npsn": "1234"}, "An NPSN has exactly 8 digits."),
        ({"average_grade": "101"}, "less than or equal to 100"),
        ({"phone": "123"}, "This is not a valid phone number."),
        ({"birth_date": "2030-01-01"}, "Check your date of birth."),
        ({"graduation_year": "1901"}, "Check your graduation year."),
        ({"full_name": ""}, "This field is required."),
    ],
)
def test_bad_profiles_are_refused_and_nothing_is_half_saved(
    candidate_client, complete_profile, welding, changes, message
):
    before = CandidateProfile.objects.values().get(pk=complete_profile.pk)
    data = profile_data(welding, **{"nik": "3171011508040009", "school_name": "Changed school", **changes})
    response = candidate_client.post(en("candidates:profile"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert CandidateProfile.objects.values().get(pk=complete_profile.pk) == before


def test_a_second_account_with_the_same_nik_gets_a_clear_message(client, complete_profile, welding):
    other = UserFactory(email="kembar@contoh.id")
    client.force_login(other)
    response = client.post(en("candidates:profile"), profile_data(welding))
    assert response.status_code == 200
    assert "This NIK is already registered to another account." in response.content.decode()
    assert CandidateProfile.objects.get(user=other).nik is None


def test_the_owner_sees_the_full_nik_staff_lists_show_it_masked(client, candidate_client, complete_profile):
    assert MALE_NIK in candidate_client.get(en("candidates:profile")).content.decode()
    client.force_login(StaffFactory())
    page = client.get(en("admin:candidates_candidateprofile_changelist")).content.decode()
    assert mask_nik(MALE_NIK) in page
    assert MALE_NIK not in page
    # Staff may search by the full NIK.
    assert (
        mask_nik(MALE_NIK)
        in client.get(en("admin:candidates_candidateprofile_changelist"), {"q": MALE_NIK}).content.decode()
    )


def test_nik_masking():
    assert mask_nik(MALE_NIK) == "3171••••••••0001"
    assert mask_nik(None) == ""


def test_nik_rules_directly():
    assert nik_problems(MALE_NIK, birth_date=MALE_BIRTH_DATE, sex="M") == []
    assert nik_problems(FEMALE_NIK, birth_date=MALE_BIRTH_DATE, sex="F") == []


def test_log_records_never_carry_a_nik_or_passport_number():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "saving %s with passport %s", (MALE_NIK, "C1234567"), None
    )
    RedactPersonalData().filter(record)
    assert MALE_NIK not in record.getMessage()
    assert "C1234567" not in record.getMessage()
    assert record.getMessage() == "saving [redacted] with passport [redacted]"


def test_the_console_handler_redacts(settings):
    handler = logging.getLogger().handlers
    configured = [h for h in handler if any(isinstance(f, RedactPersonalData) for f in h.filters)]
    assert configured, "the root console handler must carry the personal-data filter"


@pytest.mark.parametrize("factory", [StaffFactory, PartnerUserFactory])
def test_candidate_pages_are_for_candidates_only(client, factory):
    client.force_login(factory())
    for name in ("candidates:home", "candidates:profile", "candidates:documents", "candidates:data"):
        assert client.get(en(name)).status_code == 403


def test_candidate_pages_need_a_login(client):
    for name in ("candidates:home", "candidates:profile", "candidates:documents", "candidates:data"):
        response = client.get(en(name))
        assert response.status_code == 302
        assert response["Location"].startswith(en("accounts:login"))


def test_certificates_and_languages(candidate_client, complete_profile):
    response = candidate_client.post(
        en("candidates:certificate_add"),
        {"issuer": "bnsp", "title": "Juru Las SMAW 3G", "number": "BNSP-001", "issued_on": "2025-06-01"},
    )
    assert response.status_code == 302
    assert complete_profile.certificates.get().number == "BNSP-001"
    candidate_client.post(
        en("candidates:certificate_add"),
        {"issuer": "bnsp", "title": "Juru Las SMAW 3G", "number": "BNSP-001", "issued_on": "2025-06-01"},
    )
    assert complete_profile.certificates.count() == 1
    candidate_client.post(en("candidates:language_add"), {"language": "ru", "level": "A1"})
    candidate_client.post(en("candidates:language_add"), {"language": "ru", "level": "A2"})
    assert list(complete_profile.languages.values_list("language", "level")) == [("ru", "A2")]
    skill = complete_profile.languages.get()
    other = UserFactory(email="lain@contoh.id")
    candidate_client.force_login(other)
    assert candidate_client.post(en("candidates:language_remove", skill.pk)).status_code == 404
    assert complete_profile.languages.exists()
