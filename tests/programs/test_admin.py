"""Staff build programmes in the admin; every inconsistency is refused with a clear message."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from programs.models import GradeLevel, PlacementTrack, Program, ProgramStatus, TrainingPhase
from tests.accounts.factories import StaffFactory, UserFactory
from tests.programs.factories import PartnerFactory, ProgramFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:programs_program_add")


def english(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


ADD_URL_EN = english("admin:programs_program_add")


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def _inline(prefix: str, rows: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


DEFAULT_RUBRIC = (("Dokumen", "10"), ("Tes tertulis", "20"), ("Uji praktik las", "40"), ("Wawancara", "30"))


def programme_form(
    *,
    employer,
    tracks=(("Rusia", "25"), ("Indonesia", "25")),
    grades=(),
    rubric=DEFAULT_RUBRIC,
    **overrides,
):
    data = {
        "code": "rusal-uji-2026",
        "title": "Program Uji",
        "summary": "Ringkasan",
        "description": "Deskripsi",
        "employer": str(employer.pk),
        "destination_country": "RU",
        "sector": "welding",
        "occupation": "Juru las",
        "total_seats": "50",
        "recruitment_opens": "2026-05-01",
        "recruitment_closes": "2026-07-31",
        "target_departure": "2026-09-01",
        "contract_months": "60",
        "salary_currency": "RUB",
        "salary_min": "80000",
        "salary_max": "200000",
        "education_level": "smk",
        "graduation_year_min": "2023",
        "graduation_year_max": "2026",
        "age_min": "18",
        "age_max": "25",
        "age_reference_date": "2026-09-01",
        "min_average_grade": "75",
        "required_document_kinds": ["diploma", "photo"],
        "offer_response_days": "7",
    }
    data.update(_inline("tracks", [{"name": n, "country": "RU", "seats": s} for n, s in tracks]))
    data.update(
        _inline(
            "phases",
            [
                {
                    "order": "1",
                    "title": "Bahasa Rusia",
                    "months": "12",
                    "location": "Rusia",
                    "fields_of_study": "language",
                    "min_attendance": "85",
                    "final_assessment_required": "on",
                }
            ],
        )
    )
    data.update(_inline("grades", [{"grade": g, "monthly_salary": s} for g, s in grades]))
    data.update(
        _inline("criteria", [{"order": str(i), "name": n, "weight": w} for i, (n, w) in enumerate(rubric, 1)])
    )
    data.update(overrides)
    return data


def test_staff_adds_a_programme_with_tracks_phases_and_ladder(staff_client):
    employer = PartnerFactory(name="RUSAL")
    response = staff_client.post(
        ADD_URL_EN,
        programme_form(employer=employer, grades=[("1", "80000"), ("2", "120000"), ("3", "200000")]),
    )
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else response
    )
    program = Program.objects.get(code="rusal-uji-2026")
    assert program.status == ProgramStatus.DRAFT
    assert sorted(program.tracks.values_list("name", "seats")) == [("Indonesia", 25), ("Rusia", 25)]
    assert program.phases.get().fields_of_study == ["language"]
    assert (program.phases.get().min_attendance, program.phases.get().final_assessment_required) == (85, True)
    assert list(program.grades.values_list("grade", flat=True)) == [1, 2, 3]
    assert program.required_document_kinds == ["diploma", "photo"]
    assert list(program.criteria.values_list("name", "weight")) == [
        ("Dokumen", 10),
        ("Tes tertulis", 20),
        ("Uji praktik las", 40),
        ("Wawancara", 30),
    ]


def _refused(response, message: str) -> None:
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Program.objects.exists()
    assert not PlacementTrack.objects.exists()
    assert not TrainingPhase.objects.exists()
    assert not GradeLevel.objects.exists()


def test_tracks_not_adding_up_are_refused_in_indonesian(staff_client):
    response = staff_client.post(
        ADD_URL, programme_form(employer=PartnerFactory(), tracks=[("Rusia", "25"), ("ID", "20")])
    )
    _refused(response, "Jumlah kursi jalur penempatan adalah 45, padahal program memiliki 50 kursi.")


def test_tracks_not_adding_up_are_refused_in_english(staff_client):
    response = staff_client.post(
        ADD_URL_EN,
        programme_form(employer=PartnerFactory(), tracks=[("Rusia", "25"), ("ID", "20")]),
    )
    _refused(response, "The tracks&#x27; seats add up to 45, but the programme has 50 seats.")


def test_closing_before_opening_is_refused(staff_client):
    response = staff_client.post(
        ADD_URL_EN,
        programme_form(
            employer=PartnerFactory(), recruitment_opens="2026-08-01", recruitment_closes="2026-07-31"
        ),
    )
    _refused(response, "Recruitment cannot close before it opens.")


def test_negative_seats_are_refused(staff_client):
    response = staff_client.post(
        ADD_URL_EN,
        programme_form(
            employer=PartnerFactory(), total_seats="-50", tracks=[("Rusia", "-25"), ("ID", "-25")]
        ),
    )
    _refused(response, "Ensure this value is greater than or equal to 0.")


def test_grade_ladder_out_of_order_is_refused(staff_client):
    response = staff_client.post(
        ADD_URL_EN,
        programme_form(employer=PartnerFactory(), grades=[("1", "120000"), ("2", "100000")]),
    )
    _refused(response, "Grade 2 must pay more than grade 1.")


def test_grade_ladder_with_a_gap_is_refused(staff_client):
    response = staff_client.post(
        ADD_URL_EN,
        programme_form(employer=PartnerFactory(), grades=[("1", "100000"), ("3", "200000")]),
    )
    _refused(response, "grade 2 is missing.")


def test_rubric_weights_not_adding_up_to_100_are_refused(staff_client):
    response = staff_client.post(
        ADD_URL_EN,
        programme_form(employer=PartnerFactory(), rubric=[("Dokumen", "10"), ("Wawancara", "30")]),
    )
    _refused(response, "The rubric&#x27;s weights add up to 40%; they must add up to 100%.")


def test_a_programme_without_tracks_is_refused(staff_client):
    response = staff_client.post(ADD_URL_EN, programme_form(employer=PartnerFactory(), tracks=[]))
    assert response.status_code == 200
    assert not Program.objects.exists()


def test_editing_seats_keeps_tracks_in_step(staff_client):
    program = ProgramFactory(total_seats=50, tracks=[("Rusia", 25), ("Indonesia", 25)])
    url = english("admin:programs_program_change", program.pk)
    form = staff_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name not in {"supporting_partners", "allowed_majors", "status", "published_at"}
        and value is not None
    }
    data.update(
        {
            "employer": str(program.employer_id),
            "required_document_kinds": program.required_document_kinds,
            "total_seats": "60",
        }
    )
    tracks = list(program.tracks.order_by("id"))
    data.update(
        {
            "tracks-TOTAL_FORMS": "2",
            "tracks-INITIAL_FORMS": "2",
            "tracks-MIN_NUM_FORMS": "1",
            "tracks-MAX_NUM_FORMS": "1000",
            **{f"tracks-{i}-id": str(t.pk) for i, t in enumerate(tracks)},
            **{f"tracks-{i}-program": str(program.pk) for i in range(2)},
            **{f"tracks-{i}-name": t.name for i, t in enumerate(tracks)},
            **{f"tracks-{i}-country": "RU" for i in range(2)},
            **{f"tracks-{i}-seats": "25" for i in range(2)},
            **_inline("phases", []),
            **_inline("grades", []),
            **_inline("criteria", []),
        }
    )
    response = staff_client.post(url, data)
    assert "add up to 50, but the programme has 60 seats" in response.content.decode()
    program.refresh_from_db()
    assert program.total_seats == 50

    data["tracks-0-seats"] = "35"
    response = staff_client.post(url, data)
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.total_seats == 60
    assert sorted(program.tracks.values_list("seats", flat=True)) == [25, 35]


def test_publish_action_goes_through_the_status_rules(staff_client):
    good = ProgramFactory(code="baik", total_seats=50, tracks=[("A", 25), ("B", 25)])
    bad = ProgramFactory(code="buruk", total_seats=50, tracks=[("A", 25), ("B", 20)])
    response = staff_client.post(
        english("admin:programs_program_changelist"),
        {"action": "make_published", "_selected_action": [good.pk, bad.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "Programme buruk cannot be published" in page
    assert "1 programme is now Published." in page
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, bad.status) == (ProgramStatus.PUBLISHED, ProgramStatus.DRAFT)


def test_changelist_search_and_filters(staff_client):
    ProgramFactory(code="rusal-2026", title="SMK Go Global RUSAL", status=ProgramStatus.PUBLISHED)
    ProgramFactory(code="jepang-2027", title="Juru Las Jepang", destination_country="JP")
    url = reverse("admin:programs_program_changelist")
    page = staff_client.get(url, {"q": "RUSAL"}).content.decode()
    assert "rusal-2026" in page and "jepang-2027" not in page
    page = staff_client.get(url, {"status__exact": "draft"}).content.decode()
    assert "jepang-2027" in page and "rusal-2026" not in page
    page = staff_client.get(url, {"destination_country": "JP"}).content.decode()
    assert "jepang-2027" in page and "rusal-2026" not in page


def test_candidates_and_partners_cannot_open_the_admin(client):
    for user in (UserFactory(), UserFactory(email="mitra@contoh.id")):
        client.force_login(user)
        response = client.get(ADD_URL)
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
