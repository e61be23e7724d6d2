from decimal import Decimal

import pytest
from django.utils import translation

from p2mi_portal.errors import Conflict, DomainError
from programs import services
from programs.models import GradeLevel, ProgramStatus
from tests.accounts.factories import StaffFactory, UserFactory
from tests.programs.factories import GradeLevelFactory, ProgramFactory


def test_track_seats_must_add_up():
    assert services.track_seat_errors(total_seats=50, track_seats=[25, 25]) == []
    with translation.override("en"):
        assert services.track_seat_errors(total_seats=50, track_seats=[25, 20]) == [
            "The tracks' seats add up to 45, but the programme has 50 seats."
        ]
        assert services.track_seat_errors(total_seats=50, track_seats=[]) == [
            "Add at least one placement track."
        ]


def test_track_seat_message_in_indonesian():
    with translation.override("id"):
        (message,) = services.track_seat_errors(total_seats=50, track_seats=[30, 30])
    assert "60" in message and "50" in message
    assert "kursi" in message


@pytest.mark.parametrize(
    ("ladder", "expected"),
    [
        ([(1, Decimal(100)), (2, Decimal(200))], []),
        ([(2, Decimal(200)), (1, Decimal(100))], []),
        (
            [(1, Decimal(100)), (3, Decimal(300))],
            ["Grades must run 1, 2, 3… without gaps; grade 2 is missing."],
        ),
        ([(1, Decimal(200)), (2, Decimal(150))], ["Grade 2 must pay more than grade 1."]),
        ([(1, Decimal(200)), (2, Decimal(200))], ["Grade 2 must pay more than grade 1."]),
        (
            [(1, Decimal(50)), (2, Decimal(200))],
            [
                "Grade 1 pays RUB\u00a050, outside the programme's salary range "
                "of RUB\u00a080 to RUB\u00a01,000."
            ],
        ),
    ],
)
def test_grade_ladder_rules(ladder, expected):
    with translation.override("en"):
        errors = services.grade_ladder_errors(
            ladder=ladder, salary_min=Decimal(80), salary_max=Decimal(1000), currency="RUB"
        )
    assert errors == expected


@pytest.mark.django_db
def test_publish_a_consistent_programme():
    staff = StaffFactory()
    program = ProgramFactory(total_seats=50, tracks=[("Rusia", 25), ("Indonesia", 25)])
    GradeLevelFactory(program=program, grade=1, monthly_salary=Decimal("80000"))
    GradeLevelFactory(program=program, grade=2, monthly_salary=Decimal("200000"))
    services.program_change_status(program=program, to_status=ProgramStatus.PUBLISHED, actor=staff)
    program.refresh_from_db()
    assert program.status == ProgramStatus.PUBLISHED
    assert program.published_at is not None


@pytest.mark.django_db
def test_publishing_an_inconsistent_programme_is_refused():
    staff = StaffFactory()
    program = ProgramFactory(total_seats=50, tracks=[("Rusia", 25), ("Indonesia", 20)])
    GradeLevel.objects.create(program=program, grade=1, monthly_salary=Decimal("150000"))
    GradeLevel.objects.create(program=program, grade=2, monthly_salary=Decimal("100000"))
    with translation.override("en"), pytest.raises(Conflict) as refused:
        services.program_change_status(program=program, to_status=ProgramStatus.PUBLISHED, actor=staff)
    assert "add up to 45, but the programme has 50 seats" in str(refused.value.message)
    assert "Grade 2 must pay more than grade 1" in str(refused.value.message)
    program.refresh_from_db()
    assert program.status == ProgramStatus.DRAFT
    assert program.published_at is None


@pytest.mark.django_db
def test_status_moves_follow_the_table():
    staff = StaffFactory()
    program = ProgramFactory()
    with translation.override("en"), pytest.raises(Conflict) as refused:
        services.program_change_status(program=program, to_status=ProgramStatus.TRAINING, actor=staff)
    assert "is Draft and cannot become Training" in refused.value.message
    assert "Allowed: " in refused.value.message
    for status in (
        ProgramStatus.PUBLISHED,
        ProgramStatus.RECRUITMENT_CLOSED,
        ProgramStatus.SELECTION,
        ProgramStatus.TRAINING,
        ProgramStatus.DEPLOYED,
        ProgramStatus.CLOSED,
    ):
        services.program_change_status(program=program, to_status=status, actor=staff)
        program.refresh_from_db()
        assert program.status == status
    with pytest.raises(Conflict):
        services.program_change_status(program=program, to_status=ProgramStatus.PUBLISHED, actor=staff)


@pytest.mark.django_db
def test_only_staff_change_a_programme_status():
    program = ProgramFactory()
    with pytest.raises(DomainError) as refused:
        services.program_change_status(
            program=program, to_status=ProgramStatus.PUBLISHED, actor=UserFactory()
        )
    assert refused.value.code == "forbidden"
    program.refresh_from_db()
    assert program.status == ProgramStatus.DRAFT
