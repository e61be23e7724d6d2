"""Overdue complaints: the hourly reminder (once a day per complaint, idempotent, only open ones),
who gets it, how it reads, and what the staff dashboard counts."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Role
from complaints import selectors, services, tasks
from complaints.models import Complaint, ComplaintStatus
from notifications.models import Notification, NotificationKind
from notifications.services import notification_render, notification_render_short
from tests.accounts.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def overdue_notices():
    return Notification.objects.filter(kind=NotificationKind.COMPLAINT_OVERDUE).order_by("id")


def listed(notification) -> list[int]:
    return [item["id"] for item in notification.context["overdue_complaints"]]


def make_overdue(complaint, hours: int = 2) -> Complaint:
    Complaint.objects.filter(pk=complaint.pk).update(due_at=timezone.now() - hours * HOUR)
    complaint.refresh_from_db()
    return complaint


@pytest.fixture
def assigned(complaint, staff, colleague):
    services.complaint_assign(complaint=complaint, assignee=colleague, actor=staff)
    return make_overdue(complaint)


def test_the_assignee_is_reminded_once_however_often_the_job_runs(assigned, colleague):
    assert services.complaints_overdue_remind() == 1
    assert services.complaints_overdue_remind() == 0
    assert tasks.complaints_overdue_remind.delay().get() == 0
    [notice] = overdue_notices()
    assert notice.recipient == colleague
    assert listed(notice) == [assigned.pk]
    assigned.refresh_from_db()
    assert assigned.overdue_notified_at is not None


def test_the_reminder_comes_again_a_day_later_not_before(assigned):
    first = timezone.now()
    assert services.complaints_overdue_remind(now=first) == 1
    assert services.complaints_overdue_remind(now=first + 23 * HOUR) == 0
    assert services.complaints_overdue_remind(now=first + 24 * HOUR) == 1
    assert services.complaints_overdue_remind(now=first + 25 * HOUR) == 0
    assert overdue_notices().count() == 2


def test_the_scheduled_task_runs_the_reminder(assigned, colleague):
    assert settings.CELERY_BEAT_SCHEDULE["remind-overdue-complaints"] == {
        "task": "complaints.tasks.complaints_overdue_remind",
        "schedule": 3600,
    }
    assert tasks.complaints_overdue_remind.delay().get() == 1
    assert overdue_notices().get().recipient == colleague


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_no_reminder_for_a_finished_complaint(assigned, staff, status):
    services.complaint_status_change(complaint=assigned, to_status=status, reason="Selesai.", actor=staff)
    assert services.complaints_overdue_remind(now=timezone.now() + 30 * 24 * HOUR) == 0
    assert not overdue_notices().exists()


@pytest.mark.parametrize("status", ["in_progress", "waiting_for_worker"])
def test_every_open_status_can_be_overdue(assigned, staff, status):
    services.complaint_status_change(complaint=assigned, to_status=status, reason="Menunggu.", actor=staff)
    assert services.complaints_overdue_remind() == 1


def test_no_reminder_before_the_due_time(complaint, staff, colleague):
    services.complaint_assign(complaint=complaint, assignee=colleague, actor=staff)
    assert services.complaints_overdue_remind() == 0
    # Normal priority: seven days from filing.
    assert services.complaints_overdue_remind(now=complaint.due_at - HOUR) == 0
    assert services.complaints_overdue_remind(now=complaint.due_at + HOUR) == 1


def test_a_higher_priority_makes_it_overdue_sooner(complaint, staff, colleague):
    services.complaint_assign(complaint=complaint, assignee=colleague, actor=staff)
    two_days_on = complaint.created_at + 48 * HOUR
    assert services.complaints_overdue_remind(now=two_days_on) == 0
    services.complaint_priority_set(complaint=complaint, priority="urgent", actor=staff)
    assert services.complaints_overdue_remind(now=two_days_on) == 1


def test_unassigned_overdue_complaints_go_to_staff_who_can_assign_them(complaint, staff, colleague, worker):
    make_overdue(complaint)
    viewer = UserFactory(role=Role.STAFF, is_staff=True)  # admin access without complaint permissions
    former = StaffFactory(is_active=False)
    assert services.complaints_overdue_remind() == 1
    recipients = {notice.recipient for notice in overdue_notices()}
    assert recipients == {staff, colleague}
    assert viewer not in recipients and former not in recipients and worker.user not in recipients


def test_a_complaint_whose_assignee_left_goes_to_the_others(assigned, colleague, staff):
    colleague.is_active = False
    colleague.save()
    assert services.complaints_overdue_remind() == 1
    assert {notice.recipient for notice in overdue_notices()} == {staff}


def test_each_recipient_gets_one_message_listing_their_complaints(complaint, worker, staff, colleague):
    second = services.complaint_file(candidate=worker, category="abuse", description="Dipukul mandor.")
    third = services.complaint_file(candidate=worker, category="other", description="Lainnya.")
    for item in (complaint, second):
        services.complaint_assign(complaint=item, assignee=colleague, actor=staff)
    make_overdue(complaint, hours=5)
    make_overdue(second, hours=1)
    make_overdue(third, hours=3)  # unassigned: to both staff members
    assert services.complaints_overdue_remind() == 3
    by_recipient = {notice.recipient: listed(notice) for notice in overdue_notices()}
    # Most overdue first.
    assert by_recipient == {colleague: [complaint.pk, third.pk, second.pk], staff: [third.pk]}


def test_reassigning_lets_the_new_assignee_hear_of_it(assigned, staff, colleague):
    assert services.complaints_overdue_remind() == 1
    services.complaint_assign(complaint=assigned, assignee=staff, actor=staff)
    assert services.complaints_overdue_remind() == 1
    assert [notice.recipient for notice in overdue_notices()] == [colleague, staff]


def test_nobody_to_remind_leaves_the_complaint_for_the_next_run(complaint, staff, colleague):
    make_overdue(complaint)
    for user in (staff, colleague):
        user.groups.clear()
    assert services.complaints_overdue_remind() == 0
    complaint.refresh_from_db()
    assert complaint.overdue_notified_at is None


def test_the_reminder_reads_well(assigned, colleague):
    services.complaints_overdue_remind()
    notice = overdue_notices().get()
    subject, body = notification_render(notice, language="en")
    assert subject == "1 complaint is overdue"
    assert "This complaint is past its due time and still open:" in body
    assert f"#{assigned.pk} Unpaid wages, Normal, due " in body
    assert f"http://localhost:8000/en/admin/complaints/complaint/{assigned.pk}/triage/" in body
    assert "http://localhost:8000/en/admin/complaints/complaint/?overdue=yes" in body
    short = notification_render_short(notice, language="en")
    assert short.startswith(f"KP2MI: 1 complaint is overdue: #{assigned.pk}")
    _subject, body_id = notification_render(notice, language="id")
    assert "/admin/complaints/complaint/?overdue=yes" in body_id and "/en/" not in body_id


# --- What the staff dashboard counts -------------------------------------------------------------


def test_the_dashboard_counts_open_and_overdue_complaints_per_programme(
    complaint, worker, other, staff, program
):
    second = services.complaint_file(candidate=other, category="abuse", description="Dipukul.")
    done = services.complaint_file(candidate=worker, category="health", description="Sakit.")
    services.complaint_assign(complaint=second, assignee=staff, actor=staff)
    services.complaint_status_change(complaint=done, to_status="resolved", reason="Dirawat.", actor=staff)
    make_overdue(complaint)
    make_overdue(done)

    assert selectors.complaint_counts_by_program(actor=staff) == [
        {"program_id": program.pk, "open": 1, "overdue": 1},
        {"program_id": None, "open": 1, "overdue": 0},
    ]
    later = timezone.now() + 2 * 24 * HOUR  # the urgent one (one day) is overdue by then
    assert selectors.complaint_counts_by_program(actor=staff, now=later) == [
        {"program_id": program.pk, "open": 1, "overdue": 1},
        {"program_id": None, "open": 1, "overdue": 1},
    ]


def test_the_dashboard_counts_give_others_nothing(complaint, worker):
    make_overdue(complaint)
    viewer = UserFactory(role=Role.STAFF, is_staff=True)
    for actor in (worker.user, viewer, None):
        assert selectors.complaint_counts_by_program(actor=actor) == []


def test_a_complaint_is_not_overdue_at_its_due_time_exactly(complaint):
    assert Complaint.objects.filter(selectors.overdue_q(complaint.due_at)).count() == 0
    assert (
        Complaint.objects.filter(
            selectors.overdue_q(complaint.due_at + datetime.timedelta(seconds=1))
        ).count()
        == 1
    )
    assert complaint.status == ComplaintStatus.NEW
