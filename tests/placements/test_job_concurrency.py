"""The daily placement jobs run twice at once (two beat schedulers, a run beside its retry).

Each run is a thread on its own PostgreSQL connection; both start together. Whatever the
interleaving, every worker hears of an open checklist or an outlasted passport once.
"""

from __future__ import annotations

import datetime
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from notifications.models import Notification, NotificationKind
from placements import services
from placements.models import ChecklistItem, Placement, PlacementStatus
from tests.candidates.factories import CandidateFactory

from .conftest import accept, complete_training, place

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 12
RUNS = 4


def _at_once(job, runs: int) -> list:
    """Run ``job`` ``runs`` times, each on its own connection, all released together."""
    barrier = threading.Barrier(runs)

    def run():
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            return job()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=runs) as pool:
        futures = [pool.submit(run) for _ in range(runs)]
        return [future.result(timeout=120) for future in futures]


@pytest.fixture
def placed_workers(program, staff):
    """Placed workers (planned placements), each with a passport that outlasts the contract."""
    placements = []
    for index in range(WORKERS):
        candidate = CandidateFactory(
            passport_number=f"C{index:07d}",
            passport_expiry=timezone.localdate() + datetime.timedelta(days=365 * 8),
        )
        worker = complete_training(accept(program, candidate=candidate), staff)
        placements.append(place(worker, staff))
    return placements


def per_placement(kind: str) -> Counter:
    return Counter(Notification.objects.filter(kind=kind).values_list("context__placement_id", flat=True))


def test_two_checklist_reminder_runs_at_once_remind_each_worker_once(placed_workers):
    # Preparing to depart with items open, last reminded more than a week ago.
    Placement.objects.filter(pk__in=[p.pk for p in placed_workers]).update(
        status=PlacementStatus.PRE_DEPARTURE
    )
    assert not Notification.objects.filter(kind=NotificationKind.CHECKLIST_OPEN).exists()

    counts = _at_once(services.checklists_remind, RUNS)

    assert sum(counts) == WORKERS
    assert per_placement(NotificationKind.CHECKLIST_OPEN) == {p.pk: 1 for p in placed_workers}
    # A later run the same week adds nothing.
    assert services.checklists_remind() == 0


def test_two_passport_runs_at_once_flag_and_tell_each_worker_once(placed_workers):
    # Every passport now ends before the contract does.
    for placement in placed_workers:
        candidate = placement.application.candidate
        candidate.passport_expiry = placement.contract_ends - datetime.timedelta(days=30)
        candidate.save(update_fields=["passport_expiry"])

    counts = _at_once(services.passports_flag, RUNS)

    assert sum(counts) == WORKERS
    assert per_placement(NotificationKind.PASSPORT_EXPIRING) == {p.pk: 1 for p in placed_workers}
    assert not Placement.objects.filter(passport_flagged_at__isnull=True).exists()


def test_a_placement_another_transaction_holds_is_left_to_the_next_run(placed_workers):
    Placement.objects.filter(pk__in=[p.pk for p in placed_workers]).update(
        status=PlacementStatus.PRE_DEPARTURE
    )
    held = placed_workers[0]
    locked = threading.Event()
    release = threading.Event()

    def hold():
        try:
            with transaction.atomic():
                list(Placement.objects.select_for_update().filter(pk=held.pk))
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        assert services.checklists_remind() == WORKERS - 1
    finally:
        release.set()
        holder.join(timeout=30)

    assert held.pk not in per_placement(NotificationKind.CHECKLIST_OPEN)
    assert services.checklists_remind() == 1
    assert per_placement(NotificationKind.CHECKLIST_OPEN) == {p.pk: 1 for p in placed_workers}
    assert ChecklistItem.objects.filter(placement=held, confirmed_on=None).exists()
