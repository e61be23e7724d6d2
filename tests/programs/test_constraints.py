"""The database itself refuses what must never be stored, whoever writes."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role, User
from programs.models import ExchangeRate, GradeLevel, PlacementTrack, Program, TrainingPhase
from tests.programs.factories import PartnerFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def _assert_refused(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


@pytest.mark.parametrize(
    "changes",
    [
        {"total_seats": 0},
        {"recruitment_opens": datetime.date(2027, 2, 1), "recruitment_closes": datetime.date(2027, 1, 1)},
        {"target_departure": datetime.date(2027, 1, 31)},
        {"contract_months": 0},
        {"salary_min": Decimal("300000")},
        {"salary_min": Decimal("-1")},
        {"graduation_year_min": 2027, "graduation_year_max": 2026},
        {"age_min": 26, "age_max": 25},
        {"age_min": 10},
        {"min_average_grade": Decimal("100.01")},
        {"min_average_grade": Decimal("-0.5")},
        {"code": "Bad Code"},
        {"code": "double--hyphen"},
    ],
    ids=lambda c: ",".join(c),
)
def test_program_row_rules_are_database_constraints(changes):
    program = ProgramFactory()
    Program.objects.filter(pk=program.pk).update(title="unchanged")
    _assert_refused(lambda: Program.objects.filter(pk=program.pk).update(**changes))
    program.refresh_from_db()
    assert program.title == "unchanged"


def test_negative_track_seats_refused_by_database():
    program = ProgramFactory()
    track = program.tracks.get()
    _assert_refused(lambda: PlacementTrack.objects.filter(pk=track.pk).update(seats=-1))


def test_track_names_unique_within_a_programme():
    program = ProgramFactory(tracks=[("Rusia", 10)])
    _assert_refused(
        lambda: PlacementTrack.objects.create(program=program, name="Rusia", country="RU", seats=0)
    )
    other = ProgramFactory(tracks=[("Rusia", 10)])
    assert other.tracks.get().name == "Rusia"


def test_phase_order_and_length_constraints():
    program = ProgramFactory()
    TrainingPhase.objects.create(program=program, order=1, title="Bahasa", months=12, location="Rusia")
    _assert_refused(
        lambda: TrainingPhase.objects.create(program=program, order=1, title="Lagi", months=1, location="X")
    )
    _assert_refused(
        lambda: TrainingPhase.objects.create(program=program, order=0, title="Nol", months=1, location="X")
    )
    _assert_refused(
        lambda: TrainingPhase.objects.create(program=program, order=2, title="Kosong", months=0, location="X")
    )


def test_grade_ladder_row_constraints():
    program = ProgramFactory()
    GradeLevel.objects.create(program=program, grade=1, monthly_salary=Decimal("80000"))
    _assert_refused(
        lambda: GradeLevel.objects.create(program=program, grade=1, monthly_salary=Decimal("90000"))
    )
    _assert_refused(
        lambda: GradeLevel.objects.create(program=program, grade=0, monthly_salary=Decimal("90000"))
    )
    _assert_refused(lambda: GradeLevel.objects.create(program=program, grade=2, monthly_salary=Decimal("0")))


def test_exchange_rate_constraints():
    day = datetime.date(2026, 10, 1)
    ExchangeRate.objects.create(currency="RUB", rate_to_idr=Decimal("219"), date=day)
    _assert_refused(lambda: ExchangeRate.objects.create(currency="RUB", rate_to_idr=Decimal("220"), date=day))
    _assert_refused(lambda: ExchangeRate.objects.create(currency="JPY", rate_to_idr=Decimal("0"), date=day))
    _assert_refused(lambda: ExchangeRate.objects.create(currency="IDR", rate_to_idr=Decimal("1"), date=day))


def test_user_constraints():
    partner = PartnerFactory()
    User.objects.create(email="a@contoh.id", role=Role.CANDIDATE)
    _assert_refused(lambda: User.objects.create(email="A@Contoh.ID", role=Role.CANDIDATE))
    _assert_refused(lambda: User.objects.create(email="p@contoh.id", role=Role.PARTNER))
    _assert_refused(lambda: User.objects.create(email="c@contoh.id", role=Role.CANDIDATE, partner=partner))
    _assert_refused(lambda: User.objects.create(email="s@contoh.id", role=Role.CANDIDATE, is_staff=True))
    assert User.objects.create(email="p2@contoh.id", role=Role.PARTNER, partner=partner).partner == partner
