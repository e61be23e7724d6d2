"""The public programme pages, as an applicant on a phone sees them, in both languages."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from programs.models import ProgramStatus, StudyField
from tests.programs.factories import (
    ExchangeRateFactory,
    GradeLevelFactory,
    PartnerFactory,
    ProgramFactory,
    TrainingPhaseFactory,
)

pytestmark = pytest.mark.django_db


def url(name: str, *args, language: str = "id") -> str:
    with translation.override(language):
        return reverse(name, args=args)


@pytest.fixture
def rusal():
    program = ProgramFactory(
        code="rusal-2026",
        title="SMK Go Global — RUSAL",
        title_en="SMK Go Global — RUSAL (EN)",
        employer=PartnerFactory(name="RUSAL"),
        destination_country="RU",
        total_seats=50,
        status=ProgramStatus.PUBLISHED,
        tracks=[("Rusia", 25), ("Indonesia — proyek Rusia", 25)],
        recruitment_opens=datetime.date(2026, 5, 1),
        recruitment_closes=datetime.date(2026, 7, 31),
        target_departure=datetime.date(2026, 9, 1),
        contract_months=60,
    )
    TrainingPhaseFactory(
        program=program, order=1, title="Bahasa Rusia", title_en="Russian language", months=12
    )
    TrainingPhaseFactory(
        program=program,
        order=2,
        title="Pelatihan teknis",
        months=12,
        fields_of_study=[StudyField.CONSTRUCTION, StudyField.MACHINERY],
    )
    GradeLevelFactory(program=program, grade=1, monthly_salary=Decimal("80000"))
    GradeLevelFactory(program=program, grade=2, monthly_salary=Decimal("200000"))
    ExchangeRateFactory(currency="RUB", rate_to_idr=Decimal("219"), date=datetime.date(2025, 10, 1))
    return program


def test_list_shows_only_published_programmes(client, rusal):
    ProgramFactory(code="masih-draf", title="Program Draf")
    ProgramFactory(code="sudah-tutup", title="Program Tutup", status=ProgramStatus.CLOSED)
    page = client.get(url("programs:list")).content.decode()
    assert "SMK Go Global — RUSAL" in page
    assert "Program Draf" not in page
    assert "Program Tutup" not in page


def test_list_filters_by_destination_and_field(client, rusal):
    ProgramFactory(
        code="perhotelan-korea",
        title="Perhotelan Korea",
        destination_country="KR",
        sector="hospitality",
        status=ProgramStatus.PUBLISHED,
    )
    page = client.get(url("programs:list"), {"destination": "KR"}).content.decode()
    assert "Perhotelan Korea" in page and "RUSAL" not in page
    page = client.get(url("programs:list"), {"sector": "welding"}).content.decode()
    assert "RUSAL" in page and "Perhotelan Korea" not in page
    page = client.get(url("programs:list"), {"destination": "RU", "sector": "hospitality"}).content.decode()
    assert "Tidak ada program yang cocok dengan filter ini." in page


@pytest.mark.parametrize(
    "query",
    [
        {"destination": "XX"},
        {"sector": "<script>"},
        {"destination": ["RU", "KR"]},
        {"page": "-1"},
        {"sector": "\x00"},
    ],
)
def test_list_survives_bad_filters(client, rusal, query):
    response = client.get(url("programs:list"), query)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_detail_page_in_indonesian(client, rusal):
    response = client.get(url("programs:detail", "rusal-2026"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="id">' in page
    assert "SMK Go Global — RUSAL" in page
    assert "Siapa yang dapat mendaftar" in page
    assert "Rp\u00a043.800.000" in page  # 200,000 RUB at 219
    assert "RUB\u00a0200.000" in page
    assert "1 Okt. 2025" in page  # the rate's date
    assert "Rusia" in page and "Indonesia — proyek Rusia" in page
    assert "September 2026" in page
    assert "Pilih satu bidang: Konstruksi, Permesinan" in page
    assert "Anda berusia 18 sampai 25 tahun pada" in page
    assert "Nilai rata-rata Anda minimal 75 (dari 100)." in page


def test_detail_page_in_english(client, rusal):
    response = client.get(url("programs:detail", "rusal-2026", language="en"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "SMK Go Global — RUSAL (EN)" in page
    assert "Russian language" in page
    assert "Who can apply" in page
    assert "Rp\u00a043,800,000" in page
    assert "RUB\u00a0200,000" in page
    assert "Choose one field: Construction, Machinery" in page
    assert "You are 18 to 25 years old on" in page


def test_language_switch_links_to_the_same_page(client, rusal):
    page = client.get(url("programs:detail", "rusal-2026")).content.decode()
    assert 'href="/en/program/rusal-2026/" hreflang="en"' in page
    page = client.get(url("programs:detail", "rusal-2026", language="en")).content.decode()
    assert 'href="/program/rusal-2026/" hreflang="id"' in page


def test_salary_without_a_rate_says_so(client):
    ProgramFactory(code="tanpa-kurs", status=ProgramStatus.PUBLISHED, salary_currency="JPY")
    page = client.get(url("programs:detail", "tanpa-kurs", language="en")).content.decode()
    assert "No exchange rate has been recorded yet" in page


def test_unpublished_and_unknown_programmes_are_not_found(client):
    ProgramFactory(code="draf")
    for code in ("draf", "tidak-ada"):
        response = client.get(url("programs:detail", code))
        assert response.status_code == 404
        assert "Halaman tidak ditemukan" in response.content.decode()


def test_pages_load_nothing_from_other_hosts(client, rusal):
    for address in (url("programs:list"), url("programs:detail", "rusal-2026")):
        page = client.get(address).content.decode()
        external = re.findall(r'(?:src|href)="(https?:)?//', page)
        assert external == [], address
        assert 'name="viewport"' in page


def test_list_puts_open_recruitment_first_then_upcoming_then_closed(client, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: datetime.date(2026, 11, 23))
    ProgramFactory(
        code="tutup",
        title="Sudah Tutup",
        status=ProgramStatus.PUBLISHED,
        recruitment_opens=datetime.date(2026, 5, 1),
        recruitment_closes=datetime.date(2026, 7, 31),
        target_departure=datetime.date(2026, 9, 1),
    )
    ProgramFactory(
        code="segera",
        title="Segera Dibuka",
        status=ProgramStatus.PUBLISHED,
        recruitment_opens=datetime.date(2026, 12, 1),
        recruitment_closes=datetime.date(2027, 2, 26),
    )
    ProgramFactory(
        code="buka",
        title="Sedang Dibuka",
        status=ProgramStatus.PUBLISHED,
        recruitment_opens=datetime.date(2026, 11, 2),
        recruitment_closes=datetime.date(2027, 3, 31),
    )
    page = client.get(url("programs:list")).content.decode()
    positions = [page.index(title) for title in ("Sedang Dibuka", "Segera Dibuka", "Sudah Tutup")]
    assert positions == sorted(positions)
    assert "Dibuka" in page and "Segera dibuka" in page and "Ditutup" in page


def test_country_names_follow_the_language(client, rusal):
    page = client.get(url("programs:detail", "rusal-2026")).content.decode()
    assert "Rusia" in page and "Russia" not in page.split("<main", 1)[1].replace("Russian", "")
    page = client.get(url("programs:detail", "rusal-2026", language="en")).content.decode()
    assert "<dd>Russia</dd>" in page
