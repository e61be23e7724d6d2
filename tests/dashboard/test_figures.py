"""Every figure of the dashboard against the hand-built programme of ``conftest.py``.

The expected numbers are counted by hand from the table in ``conftest.py``; the second
programme (``other_program``) is present in every test and must never count.
"""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from dashboard import selectors, services
from dashboard.models import FIGURES_VERSION, ProgramFigures
from dashboard.selectors import ComplaintCounts, PhaseProgress, StageMedian, TrackSeats
from tests.candidates.factories import application_at

pytestmark = pytest.mark.usefixtures("other_program")

FUNNEL = {
    "submitted": 4,
    "screening": 3,
    "documents_verified": 2,
    "shortlisted": 2,
    "interview_scheduled": 1,
    "interviewed": 2,
    "offered": 2,
    "accepted": 1,
    "in_training": 3,
    "placed": 2,
    "returned": 1,
    "waitlisted": 1,
    "declined": 1,
    "rejected": 3,
    "withdrawn": 1,
    "ineligible": 2,
    "discontinued": 1,
}

PROVINCES = [("31", "DKI Jakarta", 13), ("32", "Jawa Barat", 9), ("35", "Jawa Timur", 7), (None, None, 3)]

MEDIANS = [
    StageMedian("submitted", 5, 2.0),  # 2, 1, 3, ½, 4
    StageMedian("screening", 4, 3.125),  # 1, 2, 4¼, 6 (A4's reopened stay is still open)
    StageMedian("documents_verified", 1, 2.0),
    StageMedian("shortlisted", 1, 1.0),
    StageMedian("interview_scheduled", 1, 3.0),  # 12 → 15: the reschedule on day 13 is no exit
    StageMedian("rejected", 1, 2.0),
]


def test_funnel_counts_every_stage(program):
    assert selectors.applications_by_stage(program_id=program.pk) == FUNNEL
    assert sum(FUNNEL.values()) == 32


def test_applicants_by_province_most_first_unknown_last(program):
    assert selectors.applicants_by_province(program_id=program.pk) == PROVINCES


def test_applicants_by_major_most_first(program):
    assert selectors.applicants_by_major(program_id=program.pk) == [
        (
            _major_id("teknik-pengelasan"),
            "Teknik Pengelasan dan Fabrikasi Logam",
            "Welding and Metal Fabrication",
            15,
        ),
        (_major_id("teknik-pemesinan"), "Teknik Pemesinan", "Machining", 9),
        (_major_id("perhotelan"), "Perhotelan", "Hospitality", 6),
        (None, None, None, 2),
    ]


def _major_id(code: str) -> int:
    from programs.models import Major

    return Major.objects.get(code=code).pk


def test_median_days_per_stage(program):
    assert selectors.stage_medians(program_id=program.pk) == MEDIANS


def test_median_of_a_programme_without_moves_is_empty(db):
    from tests.programs.factories import ProgramFactory

    assert selectors.stage_medians(program_id=ProgramFactory().pk) == []


def test_seats_per_track_from_the_track_counters(program):
    assert selectors.seats_by_track(program_id=program.pk) == [
        # Rusia: offered #15; accepted #17, in training #18 #19, placed #21, returned #23.
        TrackSeats("Rusia", seats=10, taken=5, reserved=1, free=4),
        # Indonesia: offered #16; in training #20, placed #22.
        TrackSeats("Indonesia — proyek Rusia", seats=6, taken=2, reserved=1, free=3),
    ]


def test_training_progress_per_phase(program):
    with translation.override("id"):
        progress = selectors.training_progress(program_id=program.pk)
    assert progress == [
        PhaseProgress(
            1,
            "Bahasa Rusia",
            {"passed": 4, "in_progress": 2, "planned": 1, "failed": 1, "discontinued": 0},
        ),
        PhaseProgress(
            2, "Teknik", {"passed": 3, "in_progress": 1, "planned": 3, "failed": 0, "discontinued": 1}
        ),
    ]


def test_training_phase_titles_in_english_when_written(program):
    with translation.override("en"):
        titles = [phase.title for phase in selectors.training_progress(program_id=program.pk)]
    assert titles == ["Russian language", "Teknik"]


def test_placements_by_status(program):
    assert selectors.placements_by_status(program_id=program.pk) == {
        "planned": 0,
        "pre_departure": 1,
        "departed": 0,
        "working": 1,
        "completed": 1,
        "terminated": 0,
        "repatriated": 0,
    }


def test_complaints_open_and_overdue(program):
    assert selectors.complaints_by_status(program_id=program.pk, now=timezone.now()) == [
        ComplaintCounts("new", total=3, overdue=2),
        ComplaintCounts("in_progress", total=2, overdue=1),
        ComplaintCounts("waiting_for_worker", total=1, overdue=0),
        # Past their due time, but finished: never overdue.
        ComplaintCounts("resolved", total=2, overdue=0),
        ComplaintCounts("closed", total=1, overdue=0),
    ]


def test_refresh_stores_the_counted_figures(program):
    stored = services.program_figures_refresh(program_id=program.pk)
    stored = ProgramFigures.objects.get(program=program)
    assert stored.applications == 32
    assert stored.figures == {
        "version": FIGURES_VERSION,
        "stages": FUNNEL,
        "provinces": [list(row) for row in PROVINCES],
        "majors": [
            [
                _major_id("teknik-pengelasan"),
                "Teknik Pengelasan dan Fabrikasi Logam",
                "Welding and Metal Fabrication",
                15,
            ],
            [_major_id("teknik-pemesinan"), "Teknik Pemesinan", "Machining", 9],
            [_major_id("perhotelan"), "Perhotelan", "Hospitality", 6],
            [None, None, None, 2],
        ],
        "medians": [[m.stage, m.stays, m.days] for m in MEDIANS],
    }
    assert stored.computed_at <= timezone.now()


def test_refresh_counts_new_applications_again(program):
    services.program_figures_refresh(program_id=program.pk)
    application_at("submitted", program=program)
    assert ProgramFigures.objects.get(program=program).figures["stages"]["submitted"] == 4
    services.program_figures_refresh(program_id=program.pk)
    stored = ProgramFigures.objects.get(program=program)
    assert (stored.applications, stored.figures["stages"]["submitted"]) == (33, 5)


def test_refresh_of_a_missing_programme_stores_nothing(db):
    assert services.program_figures_refresh(program_id=987654) is None
    assert not ProgramFigures.objects.exists()


def test_the_periodic_job_counts_every_programme_out_of_draft(program, other_program):
    from dashboard.tasks import figures_refresh_all
    from tests.programs.factories import ProgramFactory

    ProgramFactory(status="draft")
    assert figures_refresh_all.delay().get() == 2
    assert set(ProgramFigures.objects.values_list("program_id", flat=True)) == {program.pk, other_program.pk}


def test_the_job_is_scheduled_every_15_minutes(settings):
    from p2mi_portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["count-dashboard-figures"]
    assert entry == {"task": "dashboard.tasks.figures_refresh_all", "schedule": 15 * 60}
    assert entry["task"] in app.tasks


@pytest.mark.postgres
def test_postgres_median_query_agrees_with_the_portable_one(program):
    """PostgreSQL takes the medians with percentile_cont in one query; the portable path (SQLite's)
    takes them in Python from one query's stays. Same numbers."""
    from django.db import connection

    assert connection.vendor == "postgresql"
    assert selectors._stage_medians_postgres(program.pk) != []
    by_sql = sorted(selectors._stage_medians_postgres(program.pk), key=lambda m: m.stage)
    by_python = sorted(selectors._stage_medians_portable(program.pk), key=lambda m: m.stage)
    assert by_sql == by_python == sorted(MEDIANS, key=lambda m: m.stage)
