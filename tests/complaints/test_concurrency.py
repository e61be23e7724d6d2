"""At once, on PostgreSQL with real row locks: reminder runs overlapping, two staff changing one
complaint, a worker replying while staff move it."""

from __future__ import annotations

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, ComplaintEntryKind, ComplaintStatus
from notifications.models import Notification, NotificationKind
from p2mi_portal.errors import DomainError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_at_once(jobs):
    start = threading.Barrier(len(jobs))

    def run(job):
        try:
            start.wait()
            return "ok", job()
        except DomainError as exc:
            return exc.code, str(exc.message)
        except Exception as exc:
            return "error", f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return [future.result(timeout=60) for future in [pool.submit(run, job) for job in jobs]]


@pytest.mark.parametrize("round_", range(3))
def test_overlapping_reminder_runs_remind_once(worker, staff, colleague, round_):
    complaints = [
        services.complaint_file(candidate=worker, category="other", description=f"Keluhan {n}.")
        for n in range(20)
    ]
    for complaint in complaints[:10]:
        services.complaint_assign(complaint=complaint, assignee=colleague, actor=staff)
    Complaint.objects.update(due_at=timezone.now() - datetime.timedelta(hours=1))
    results = run_at_once([services.complaints_overdue_remind for _ in range(4)])
    assert all(outcome == "ok" for outcome, _value in results), results
    assert sum(value for _outcome, value in results) == 20
    notices = Notification.objects.filter(kind=NotificationKind.COMPLAINT_OVERDUE)
    reminded = [item["id"] for notice in notices for item in notice.context["overdue_complaints"]]
    # Each assigned complaint once to its assignee, each unassigned one once to each of the two staff.
    assert sorted(reminded) == sorted([c.pk for c in complaints[:10]] + [c.pk for c in complaints[10:]] * 2)


def test_two_staff_resolving_at_once_make_one_move(complaint, staff, colleague):
    results = run_at_once(
        [
            lambda actor=actor: services.complaint_status_change(
                complaint=complaint, to_status="resolved", reason="Selesai.", actor=actor
            )
            for actor in (staff, colleague)
        ]
    )
    assert sorted(outcome for outcome, _value in results) == ["ok", "status_not_allowed"]
    assert complaint.entries.filter(kind=ComplaintEntryKind.STATUS).count() == 1
    assert Notification.objects.filter(kind=NotificationKind.COMPLAINT_UPDATE).count() == 1


def test_a_reply_racing_a_resolution_leaves_a_consistent_complaint(complaint, staff, worker):
    services.complaint_status_change(
        complaint=complaint, to_status="waiting_for_worker", reason="Kirim bukti.", actor=staff
    )
    results = run_at_once(
        [
            lambda: services.complaint_reply(complaint=complaint, text="Bukti terlampir.", actor=worker.user),
            lambda: services.complaint_status_change(
                complaint=complaint, to_status="resolved", reason="Selesai.", actor=staff
            ),
        ]
    )
    outcomes = [outcome for outcome, _value in results]
    assert "error" not in outcomes, results
    complaint.refresh_from_db()
    moves = list(complaint.entries.filter(kind=ComplaintEntryKind.STATUS).values_list("to_value", flat=True))
    if outcomes == ["ok", "ok"]:
        # Either order is fine; the timeline tells which came first and the status is its end.
        assert moves[-1] == complaint.status
    else:
        assert complaint.status == ComplaintStatus.RESOLVED
