"""Many people acting at once, on PostgreSQL with real row locks.

Each offer runs in its own thread on its own database connection (opened for the
offer and closed after it). PostgreSQL here allows 100 connections, so the 200
offers run with as many in flight at once as the server leaves room for; the rest
follow as soon as a connection frees.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from candidates import services
from candidates.models import Application, ApplicationEvent, Stage
from p2mi_portal.errors import Conflict
from programs.models import PlacementTrack, ProgramStatus
from tests.accounts.factories import StaffFactory
from tests.candidates.factories import CandidateFactory, application_at
from tests.programs.factories import ProgramFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _parallelism(wanted: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int - count(*) FROM pg_stat_activity")
        (free,) = cursor.fetchone()
    # Leave room for the test itself and anything else on the server.
    return max(2, min(wanted, free - 15))


def _run_at_once(jobs, workers: int):
    """Run every job on its own connection; the first ``workers`` start together."""
    start = threading.Event()
    ready = threading.Semaphore(0)

    def run(job):
        try:
            connection.ensure_connection()
            ready.release()
            start.wait()
            return "ok", job()
        except Conflict as exc:
            return exc.code, str(exc.message)
        except Exception as exc:  # anything else fails the test below, with its type
            return "error", f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        for _ in range(min(workers, len(jobs))):
            ready.acquire()
        start.set()
        return [future.result(timeout=120) for future in futures]


@pytest.mark.parametrize("round_", range(5))
def test_200_concurrent_offers_fill_each_track_exactly(round_):
    staff = StaffFactory()
    program = ProgramFactory(
        total_seats=50,
        tracks=[("Rusia", 25), ("Indonesia — proyek Rusia", 25)],
        status=ProgramStatus.SELECTION,
    )
    tracks = list(program.tracks.order_by("id"))
    applications = [
        application_at(Stage.INTERVIEWED, program=program, candidate=CandidateFactory(), track=tracks[i % 2])
        for i in range(200)
    ]

    def offer(application):
        return lambda: (
            services.application_move(
                application=application,
                to_stage=Stage.OFFERED,
                actor=staff,
                track=application.preferred_track,
            ).track_id
        )

    results = _run_at_once([offer(a) for a in applications], workers=_parallelism(200))

    errors = [detail for outcome, detail in results if outcome == "error"]
    assert errors == []
    outcomes = Counter(outcome for outcome, _detail in results)
    assert outcomes == {"ok": 50, "no_seats": 150}
    assert Counter(detail for outcome, detail in results if outcome == "ok") == {
        tracks[0].pk: 25,
        tracks[1].pk: 25,
    }
    for track in PlacementTrack.objects.filter(program=program):
        assert (track.seats_reserved, track.seats_taken) == (25, 0)
        assert Application.objects.filter(track=track, stage=Stage.OFFERED).count() == 25
    assert ApplicationEvent.objects.filter(to_stage=Stage.OFFERED).count() == 50
    assert Application.objects.filter(stage=Stage.INTERVIEWED).count() == 150


def test_50_concurrent_identical_moves_make_one_event():
    staff = StaffFactory()
    program = ProgramFactory(status=ProgramStatus.SELECTION)
    application = application_at(Stage.DOCUMENTS_VERIFIED, program=program)

    def shortlist():
        return services.application_move(
            application=application, to_stage=Stage.SHORTLISTED, actor=staff
        ).stage

    results = _run_at_once([shortlist] * 50, workers=_parallelism(50))

    assert [detail for outcome, detail in results if outcome == "error"] == []
    assert Counter(outcome for outcome, _detail in results) == {"ok": 1, "already_at_stage": 49}
    application.refresh_from_db()
    assert application.stage == Stage.SHORTLISTED
    assert application.events.count() == 1


def test_an_offer_and_a_freed_seat_at_once_never_oversell():
    """Declines (which re-offer to the waiting list) racing fresh offers on one nearly full track."""
    staff = StaffFactory()
    program = ProgramFactory(total_seats=10, tracks=[("Rusia", 10)], status=ProgramStatus.SELECTION)
    track = program.tracks.get()
    offered = [application_at(Stage.OFFERED, program=program) for _ in range(10)]
    waiting = [application_at(Stage.WAITLISTED, program=program) for _ in range(10)]
    fresh = [application_at(Stage.INTERVIEWED, program=program) for _ in range(20)]

    def decline(application):
        return lambda: (
            services.application_answer_offer(
                application=application, actor=application.candidate.user, accept=False
            ).stage
        )

    def offer(application):
        return lambda: (
            services.application_move(application=application, to_stage=Stage.OFFERED, actor=staff).stage
        )

    jobs = [decline(a) for a in offered[:5]] + [offer(a) for a in fresh]
    results = _run_at_once(jobs, workers=_parallelism(len(jobs)))

    assert [detail for outcome, detail in results if outcome == "error"] == []
    track.refresh_from_db()
    holding = Application.objects.filter(track=track, stage=Stage.OFFERED).count()
    assert track.seats_reserved == holding <= track.seats
    assert track.seats_reserved + track.seats_taken <= track.seats
    assert len(waiting) == 10
