"""Staff dashboard benchmark: ``make bench-dashboard`` (part of ``make bench``).

Uses the API benchmark's database (``BENCH_DATABASE_URL``, default ``p2mi_bench``; seeded if
needed with ``BENCH_APPLICATIONS`` applications, default 1,000,000), adds what the dashboard
needs once (``seed.seed_dashboard``: every application's stage moves, seat holders with their
training and contracts, complaints) and, for the programme with the most applications, prints:

1. counting: the seconds the background job takes to count the figures over every application
   and move (stages, provinces, majors, median days per stage), each figure and in all, and
   its queries;
2. the page: its render time cold (a new database connection, templates read again) and warm,
   the median of ``BENCH_RUNS`` runs (default 7) each, and its queries.

The page is rendered in this process through Django's test client, as a logged-in member of
staff: the time is the server's, from the request to the finished HTML.
"""

from __future__ import annotations

import os
import statistics
import time
import warnings

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/p2mi_bench")
APPLICATIONS = int(os.environ.get("BENCH_APPLICATIONS", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def main() -> None:
    # STATIC_ROOT exists only after collectstatic; the page's stylesheet link does not need it.
    warnings.filterwarnings("ignore", message="No directory at")
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.load.bench_settings")
    from .bench_api import _ensure_database

    _ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.db.models import Count
    from django.template import engines
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import Role, User
    from accounts.services import staff_group_ensure
    from candidates.models import Application, ApplicationEvent
    from dashboard import selectors, services

    from . import seed

    call_command("migrate", verbosity=0)
    seed.seed(APPLICATIONS)
    seed.seed_dashboard()

    largest = (
        Application.objects.values("program_id").annotate(count=Count("id")).order_by("-count").first()
    )["program_id"]
    total = Application.objects.count()
    in_largest = Application.objects.filter(program_id=largest).count()
    moves = ApplicationEvent.objects.filter(application__program_id=largest).count()
    print(f"{total:,} applications; the largest programme has {in_largest:,} with {moves:,} stage moves")

    # 1. Counting, as the background job does.
    for name, figure in (
        ("applications by stage", selectors.applications_by_stage),
        ("applicants by province", selectors.applicants_by_province),
        ("applicants by major", selectors.applicants_by_major),
        ("median days per stage", selectors.stage_medians),
    ):
        started = time.perf_counter()
        figure(program_id=largest)
        print(f"  counting {name:<24} {_ms(time.perf_counter() - started):>10}")
    with CaptureQueriesContext(connection) as counted:
        stored = services.program_figures_refresh(program_id=largest)
    print(
        f"counting every figure (the background job, every 15 minutes): {stored.seconds:,.1f} s, "
        f"{len(counted)} queries"
    )

    # 2. The page.
    staff = User.objects.filter(email="bench-staff@p2mi.go.id").first() or User.objects.create_user(
        "bench-staff@p2mi.go.id", None, full_name="Bench", role=Role.STAFF, is_staff=True
    )
    staff.groups.add(staff_group_ensure())
    client = Client(SERVER_NAME="localhost")
    client.force_login(staff)
    address = reverse("dashboard:program", args=[largest])

    def render() -> float:
        started = time.perf_counter()
        response = client.get(address)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"the dashboard answered {response.status_code}")
        return elapsed

    def cool() -> None:
        connections.close_all()
        for engine in engines.all():
            for loader in engine.engine.template_loaders:
                if hasattr(loader, "reset"):
                    loader.reset()

    first = render()
    cold = []
    for _ in range(RUNS):
        cool()
        cold.append(render())
    warm = [render() for _ in range(RUNS)]
    with CaptureQueriesContext(connection) as queried:
        render()
    print(f"  first render in this process {_ms(first):>10}")
    print(
        f"dashboard page of the largest programme: cold {_ms(statistics.median(cold))}, "
        f"warm {_ms(statistics.median(warm))} (median of {RUNS}), {len(queried)} queries"
    )


if __name__ == "__main__":
    main()
