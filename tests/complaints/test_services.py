"""The status table, due dates per priority, and which changes tell the worker (and how it reads)."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core import mail
from django.utils import translation

from complaints import services
from complaints.models import (
    OPEN_STATUSES,
    Complaint,
    ComplaintEntryKind,
    ComplaintPriority,
    ComplaintStatus,
)
from complaints.pipeline import COMPLAINT_MACHINE
from notifications.models import Notification, NotificationKind
from notifications.services import notification_render, notification_render_short
from p2mi_portal.errors import Conflict, DomainError
from p2mi_portal.transitions import Actor

from .conftest import updates

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def put_at(complaint: Complaint, status: str) -> Complaint:
    """The complaint at ``status``, set directly as a fixture."""
    resolved_at = None if status in OPEN_STATUSES else complaint.created_at
    Complaint.objects.filter(pk=complaint.pk).update(status=status, resolved_at=resolved_at)
    complaint.refresh_from_db()
    return complaint


# --- The status table ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target"), list(itertools.product(ComplaintStatus.values, ComplaintStatus.values))
)
def test_every_status_move_follows_the_table(complaint, staff, source, target):
    put_at(complaint, source)
    allowed = (source, target) in COMPLAINT_MACHINE.moves
    if not allowed:
        with pytest.raises(Conflict) as refused:
            services.complaint_status_change(
                complaint=complaint, to_status=target, reason="Alasan.", actor=staff
            )
        assert refused.value.code == "status_not_allowed"
        complaint.refresh_from_db()
        assert complaint.status == source
        assert not updates().exists()
        return
    services.complaint_status_change(complaint=complaint, to_status=target, reason="Alasan.", actor=staff)
    complaint.refresh_from_db()
    assert complaint.status == target
    # resolved_at is set on leaving the open statuses, kept from resolved to closed, cleared on reopening.
    if target in OPEN_STATUSES:
        assert complaint.resolved_at is None
    elif source in OPEN_STATUSES:
        assert complaint.resolved_at is not None and complaint.resolved_at >= complaint.created_at
    else:
        assert complaint.resolved_at == complaint.created_at
    entry = complaint.entries.latest("id")
    assert (entry.kind, entry.from_value, entry.to_value, entry.text, entry.visible_to_worker) == (
        ComplaintEntryKind.STATUS,
        source,
        target,
        "Alasan.",
        True,
    )
    assert updates(complaint).count() == 1


def test_closed_is_final_and_resolved_can_be_reopened(complaint, staff):
    assert COMPLAINT_MACHINE.allowed_targets(ComplaintStatus.CLOSED, Actor.STAFF) == []
    assert COMPLAINT_MACHINE.allowed_targets(ComplaintStatus.RESOLVED, Actor.STAFF) == [
        ComplaintStatus.IN_PROGRESS,
        ComplaintStatus.CLOSED,
    ]
    # The worker moves a complaint only by replying while the ministry waits for them.
    assert [move for move, rule in COMPLAINT_MACHINE.moves.items() if Actor.CANDIDATE in rule.roles] == [
        (ComplaintStatus.WAITING_FOR_WORKER, ComplaintStatus.IN_PROGRESS)
    ]


def test_reopening_needs_a_reason(complaint, staff):
    put_at(complaint, ComplaintStatus.RESOLVED)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.complaint_status_change(complaint=complaint, to_status="in_progress", reason="", actor=staff)
    assert refused.value.fields == {"reason": ["Give the reason for “In progress”: the worker sees it."]}


def test_assignment_and_priority_wait_until_a_finished_complaint_is_reopened(complaint, staff):
    put_at(complaint, ComplaintStatus.CLOSED)
    for change in (
        lambda: services.complaint_assign(complaint=complaint, assignee=staff, actor=staff),
        lambda: services.complaint_priority_set(complaint=complaint, priority="urgent", actor=staff),
    ):
        with translation.override("en"), pytest.raises(Conflict) as refused:
            change()
        assert refused.value.message == f"Complaint #{complaint.pk} is “Closed”. Reopen it first."


# --- Due dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("priority", "days"),
    [("urgent", 1), ("high", 3), ("normal", 7), ("low", 14)],
)
def test_the_due_time_follows_the_priority_counted_from_filing(complaint, staff, priority, days):
    filed = complaint.created_at - 2 * DAY
    Complaint.objects.filter(pk=complaint.pk).update(
        created_at=filed, priority="high" if priority != "high" else "low"
    )
    services.complaint_priority_set(complaint=complaint, priority=priority, actor=staff)
    complaint.refresh_from_db()
    assert complaint.priority == priority
    assert complaint.due_at == filed + days * DAY
    entry = complaint.entries.latest("id")
    assert (entry.kind, entry.to_value, entry.visible_to_worker) == (
        ComplaintEntryKind.PRIORITY,
        priority,
        False,
    )


def test_the_due_table_covers_every_priority():
    assert set(services.DUE_WITHIN) == set(ComplaintPriority)
    assert services.DUE_WITHIN[ComplaintPriority.URGENT] < services.DUE_WITHIN[ComplaintPriority.HIGH]
    assert services.DUE_WITHIN[ComplaintPriority.NORMAL] < services.DUE_WITHIN[ComplaintPriority.LOW]


# --- Notifications to the worker -------------------------------------------------------------------


def test_the_worker_is_told_of_status_changes_and_visible_notes_only(complaint, staff, colleague, worker):
    services.complaint_assign(complaint=complaint, assignee=colleague, actor=staff)
    services.complaint_priority_set(complaint=complaint, priority="high", actor=staff)
    services.complaint_note_add(complaint=complaint, text="Internal.", visible_to_worker=False, actor=staff)
    assert not updates().exists()

    services.complaint_note_add(
        complaint=complaint, text="Kami menghubungi majikan.", visible_to_worker=True, actor=staff
    )
    services.complaint_status_change(
        complaint=complaint, to_status="waiting_for_worker", reason="Kirim slip gaji.", actor=staff
    )
    # The worker's own reply (and the move it makes) is no news to them.
    services.complaint_reply(complaint=complaint, text="Terlampir.", actor=worker.user)
    assert [n.context for n in updates()] == [
        {"complaint_id": complaint.pk, "category": "unpaid_wages", "note": "Kami menghubungi majikan."},
        {
            "complaint_id": complaint.pk,
            "category": "unpaid_wages",
            "complaint_status": "waiting_for_worker",
            "reason": "Kirim slip gaji.",
        },
    ]
    assert all(n.recipient == worker.user for n in updates())
    # Besides the worker's, only the assignee's notice of the reply.
    others = Notification.objects.exclude(kind=NotificationKind.COMPLAINT_UPDATE)
    assert [(n.kind, n.recipient) for n in others] == [(NotificationKind.COMPLAINT_REPLY, colleague)]


def test_a_status_change_reads_well_in_both_languages(
    complaint, staff, worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_status_change(
            complaint=complaint, to_status="waiting_for_worker", reason="Kirim slip gaji.", actor=staff
        )
    notification = updates().get()
    subject, body = notification_render(notification, language="en")
    assert subject == f"Your complaint #{complaint.pk}: Waiting for the worker"
    assert f"Your complaint #{complaint.pk} (Unpaid wages) is now “Waiting for the worker”." in body
    assert "Reason: Kirim slip gaji." in body
    assert "The ministry is waiting for your answer: reply on the complaint's page." in body
    assert f"http://localhost:8000/en/me/complaints/{complaint.pk}/" in body
    short = notification_render_short(notification, language="en")
    assert short.startswith(f"KP2MI: Your complaint #{complaint.pk}: Waiting for the worker.")
    assert f"/en/me/complaints/{complaint.pk}/" in short
    # The reason stays out of SMS and WhatsApp, which others may read on the worker's phone.
    assert "slip gaji" not in short and "Unpaid wages" not in short
    _subject, body_id = notification_render(notification, language="id")
    assert f"/me/complaints/{complaint.pk}/" in body_id and "/en/" not in body_id
    # Sent once the change is committed: by e-mail (and WhatsApp, the default channels).
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [worker.user.email]
    assert mail.outbox[0].subject == notification_render(notification)[0]


def test_a_visible_note_reads_well(complaint, staff):
    services.complaint_note_add(
        complaint=complaint, text="Kami menghubungi majikan.", visible_to_worker=True, actor=staff
    )
    subject, body = notification_render(updates().get(), language="en")
    assert subject == f"New message about your complaint #{complaint.pk}"
    assert f"The ministry wrote about your complaint #{complaint.pk} (Unpaid wages):" in body
    assert "Kami menghubungi majikan." in body
    short = notification_render_short(updates().get(), language="en")
    assert short.startswith(f"KP2MI: New message about your complaint #{complaint.pk}.")
    assert "majikan" not in short and "Read it after signing in:" in short


def test_complaint_numbers_are_written_without_separators(worker):
    notification = Notification.objects.create(
        recipient=worker.user,
        kind=NotificationKind.COMPLAINT_UPDATE,
        context={"complaint_id": 12345, "category": "abuse", "complaint_status": "resolved", "reason": "x"},
    )
    for language in ("en", "id"):
        with translation.override(language):
            subject, body = notification_render(notification, language=language)
            short = notification_render_short(notification, language=language)
        for text in (subject, body, short):
            assert "#12345" in text, text
            assert "12,345" not in text and "12.345" not in text


def test_the_services_refuse_text_the_database_cannot_hold(worker, complaint, staff):
    with translation.override("en"):
        for call, field in (
            (
                lambda: services.complaint_file(candidate=worker, category="other", description="a\x00b"),
                "description",
            ),
            (lambda: services.complaint_reply(complaint=complaint, text="a\x00b", actor=worker.user), "text"),
            (
                lambda: services.complaint_note_add(
                    complaint=complaint, text="a\x00b", visible_to_worker=False, actor=staff
                ),
                "text",
            ),
            (
                lambda: services.complaint_status_change(
                    complaint=complaint, to_status="resolved", reason="a\x00b", actor=staff
                ),
                "reason",
            ),
        ):
            with pytest.raises(DomainError) as refused:
                call()
            assert refused.value.fields == {field: ["Null characters are not allowed."]}
    assert Complaint.objects.count() == 1 and complaint.entries.count() == 1
