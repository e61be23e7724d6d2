"""The demo data is the RUSAL programme exactly as announced, and loading it twice changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Role, User
from demo.data import DEMO_PASSWORD, PARTNER_EMAIL, STAFF_EMAIL
from programs.models import (
    ExchangeRate,
    GradeLevel,
    Partner,
    PlacementTrack,
    Program,
    ProgramStatus,
    ScoreCriterion,
    TrainingPhase,
)
from programs.selectors import program_salary

pytestmark = pytest.mark.django_db

COUNTED = (Partner, Program, PlacementTrack, TrainingPhase, GradeLevel, ScoreCriterion, ExchangeRate, User)


def test_load_demo_twice_gives_one_copy_of_everything(capsys):
    call_command("load_demo")
    first = {model.__name__: model.objects.count() for model in COUNTED}
    call_command("load_demo")
    second = {model.__name__: model.objects.count() for model in COUNTED}
    assert first == second
    assert first["Program"] == 3 and first["Partner"] == 5
    out = capsys.readouterr().out
    assert STAFF_EMAIL in out and DEMO_PASSWORD in out


def test_rusal_programme_matches_the_announcement():
    call_command("load_demo")
    rusal = Program.objects.get(code="rusal-smk-go-global-2026")
    assert rusal.employer.name == "RUSAL"
    assert rusal.status == ProgramStatus.PUBLISHED
    assert rusal.total_seats == 50
    assert sorted(rusal.tracks.values_list("name_en", "seats")) == [
        ("Indonesia — Russian projects", 25),
        ("Russia", 25),
    ]
    assert rusal.recruitment_opens == datetime.date(2026, 5, 1)
    assert rusal.target_departure.replace(day=1) == datetime.date(2026, 9, 1)
    phases = list(rusal.phases.order_by("order"))
    assert [(p.title_en, p.months, p.location_en) for p in phases] == [
        ("Russian language", 12, "Russia"),
        ("Technical training", 12, "Russia"),
    ]
    assert phases[1].fields_of_study == [
        "construction",
        "machinery",
        "materials_science",
        "transport",
        "electrical_energy",
    ]
    assert rusal.contract_months == 60
    assert rusal.occupation_en == "Welder"
    assert list(rusal.grades.values_list("grade", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert rusal.grades.get(grade=6).monthly_salary == Decimal("200000")
    salary = program_salary(rusal, on=datetime.date(2026, 5, 1))
    assert salary.lines[-1].amount_idr == Decimal("43800000")
    supporters = set(rusal.supporting_partners.values_list("short_name", flat=True))
    assert {"BPSDMI", "ESDM"} <= supporters
    rubric = list(rusal.criteria.values_list("name_en", "weight"))
    assert ("Practical welding test", 35) in rubric
    assert sum(weight for _name, weight in rubric) == 100


def test_dki_programmes_and_partners():
    call_command("load_demo")
    dki = Partner.objects.get(short_name="Pemprov DKI Jakarta")
    destinations = set(dki.employed_programs.values_list("destination_country", flat=True))
    assert destinations == {"JP", "KR"}
    assert set(dki.employed_programs.values_list("sector", flat=True)) == {"welding", "hospitality"}
    assert Partner.objects.filter(short_name="Kemenkop UKM").exists()


def test_demo_accounts_log_in(client):
    call_command("load_demo")
    staff = User.objects.get(email=STAFF_EMAIL)
    partner = User.objects.get(email=PARTNER_EMAIL)
    assert (staff.role, partner.role, partner.partner.name) == (Role.STAFF, Role.PARTNER, "RUSAL")
    response = client.post(reverse("accounts:login"), {"username": STAFF_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:programs_program_changelist")).status_code == 200
    client.logout()
    response = client.post(reverse("accounts:login"), {"username": PARTNER_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("programs:list")


def test_staff_log_in_through_the_admin_form(client):
    call_command("load_demo")
    response = client.post(
        reverse("admin:login"),
        {"username": STAFF_EMAIL.upper(), "password": DEMO_PASSWORD, "next": reverse("admin:index")},
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_demo_is_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("load_demo")
    assert not Program.objects.exists()
