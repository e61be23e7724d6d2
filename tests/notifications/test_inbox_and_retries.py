"""The in-site inbox, document rejections, final failures and the sweep that re-sends."""

from __future__ import annotations

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from candidates import services as candidate_services
from candidates.models import Document, DocumentStatus
from notifications import services
from notifications.models import DeliveryStatus, Notification, NotificationKind
from tests.factories import CandidateFactory, ProgramFactory, StaffFactory, UserFactory

INBOX = "/en/me/notifications/"


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("provider down")


def _notice(recipient, **fields) -> Notification:
    program = ProgramFactory.create(code=f"program-{Notification.objects.count()}", title="SMK Go Global")
    return Notification.objects.create(
        recipient=recipient,
        kind=NotificationKind.STAGE_CHANGED,
        context={"stage": "shortlisted", "reason": "", "program_id": program.pk},
        **fields,
    )


@pytest.fixture
def candidate(db):
    return CandidateFactory()


def test_the_inbox_lists_only_my_notifications_newest_first_and_marks_them_read(client, candidate):
    mine_old = _notice(candidate.user)
    mine_new = _notice(candidate.user)
    Notification.objects.filter(pk=mine_old.pk).update(created_at=timezone.now() - datetime.timedelta(days=1))
    theirs = _notice(UserFactory())
    client.force_login(candidate.user)

    page = client.get(INBOX).content.decode()
    assert f'id="notification-{mine_new.pk}"' in page
    assert f'id="notification-{mine_old.pk}"' in page
    assert f'id="notification-{theirs.pk}"' not in page
    assert page.index(f"notification-{mine_new.pk}") < page.index(f"notification-{mine_old.pk}")
    assert "2 unread notifications." in page
    assert "Shortlisted" in page  # rendered in the page's language

    response = client.post("/en/me/notifications/read/", {"notification": [mine_old.pk]})
    assert response.status_code == 302
    mine_old.refresh_from_db()
    mine_new.refresh_from_db()
    assert mine_old.read_at is not None and mine_new.read_at is None

    client.post("/en/me/notifications/read/")
    assert not Notification.objects.filter(recipient=candidate.user, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert "unread notification" not in client.get(INBOX).content.decode()


def test_marking_someone_elses_notification_read_changes_nothing(client, candidate):
    theirs = _notice(UserFactory())
    client.force_login(candidate.user)
    client.post("/en/me/notifications/read/", {"notification": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_inbox_needs_a_login(client, db):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert "/account/login/" in response["Location"]


def test_the_inbox_is_in_indonesian_at_the_root_address(client, candidate):
    _notice(candidate.user)
    client.force_login(candidate.user)
    page = client.get("/me/notifications/").content.decode()
    assert "Notifikasi" in page


def test_a_rejected_document_notifies_the_candidate_with_the_reason(
    candidate, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    document = Document.objects.create(
        candidate=candidate,
        kind="diploma",
        file="documents/x",
        original_name="ijazah.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    candidate.user.language = "en"
    candidate.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        candidate_services.document_review(
            document=document, status=DocumentStatus.REJECTED, reason="Foto buram", actor=StaffFactory()
        )
    notice = Notification.objects.get(recipient=candidate.user)
    assert notice.kind == NotificationKind.DOCUMENT_REJECTED
    assert notice.status == DeliveryStatus.SENT
    (email,) = mail.outbox
    assert "Diploma (ijazah)" in email.subject
    assert "Foto buram" in email.body
    assert "/en/me/documents/" in email.body


def test_verifying_a_document_sends_nothing(candidate, django_capture_on_commit_callbacks):
    document = Document.objects.create(
        candidate=candidate,
        kind="photo",
        file="documents/y",
        original_name="foto.jpg",
        content_type="image/jpeg",
        size=10,
        sha256="0" * 64,
    )
    with django_capture_on_commit_callbacks(execute=True):
        candidate_services.document_review(
            document=document, status=DocumentStatus.VERIFIED, reason="", actor=StaffFactory()
        )
    assert not Notification.objects.exists()


def test_after_the_last_attempt_the_failure_is_recorded_for_staff(candidate, settings, caplog):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    notice = _notice(candidate.user)
    for _ in range(services.MAX_ATTEMPTS - 1):
        with pytest.raises(services.DeliveryFailed):
            services.notification_deliver(notification_id=notice.pk)
    assert services.notification_deliver(notification_id=notice.pk) is False
    notice.refresh_from_db()
    assert notice.status == DeliveryStatus.FAILED
    assert notice.attempts == services.MAX_ATTEMPTS
    assert "provider down" in notice.last_error
    assert any("failed after" in record.getMessage() for record in caplog.records)
    # A failed notification is not tried again.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.notification_deliver(notification_id=notice.pk) is False
    assert mail.outbox == []


def test_the_sweep_resends_what_is_still_pending_and_quiet(candidate):
    long_ago = timezone.now() - datetime.timedelta(minutes=30)
    stranded = _notice(candidate.user)  # e.g. written while the broker was down
    retried_recently = _notice(candidate.user, attempts=1, attempted_at=timezone.now())
    fresh = _notice(candidate.user)
    done = _notice(candidate.user, status=DeliveryStatus.SENT, sent_at=long_ago)
    Notification.objects.filter(pk__in=[stranded.pk, retried_recently.pk, done.pk]).update(
        created_at=long_ago
    )

    assert services.notifications_sweep() == 1

    stranded.refresh_from_db()
    assert stranded.status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1
    for untouched in (retried_recently, fresh):
        untouched.refresh_from_db()
        assert untouched.status == DeliveryStatus.PENDING
    assert services.notifications_sweep() == 0


def test_the_sweep_is_on_the_beat_schedule(settings):
    from p2mi_portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["resend-pending-notifications"]
    assert entry["task"] == "notifications.tasks.notifications_resend_pending"
    assert entry["task"] in app.tasks


def test_staff_see_failures_and_send_them_again_from_the_admin(
    client, candidate, settings, django_capture_on_commit_callbacks
):
    failed = _notice(
        candidate.user, status=DeliveryStatus.FAILED, attempts=8, last_error="SMTP: provider down"
    )
    sent = _notice(candidate.user, status=DeliveryStatus.SENT, attempts=1)
    staff = StaffFactory()
    client.force_login(staff)
    listing = client.get("/en/admin/notifications/notification/?status=failed").content.decode()
    assert f"/notifications/notification/{failed.pk}/change/" in listing
    assert f"/notifications/notification/{sent.pk}/change/" not in listing
    assert (
        "SMTP: provider down"
        in client.get(f"/en/admin/notifications/notification/{failed.pk}/change/").content.decode()
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/admin/notifications/notification/",
            {"action": "send_again", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )
    page = response.content.decode()
    assert "1 notification queued again." in page
    assert "Only failed notifications are sent again; 1 other was left as it is." in page
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (DeliveryStatus.SENT, 1)
    assert len(mail.outbox) == 1


def test_the_verification_link_is_made_when_sent_and_never_stored(db, django_capture_on_commit_callbacks):
    from accounts.services import candidate_register

    with django_capture_on_commit_callbacks(execute=True):
        user = candidate_register(
            email="wati@contoh.id",
            full_name="Wati",
            phone="081234567890",
            password="Kata-Sandi-Wati-2026",
            language="id",
            site_url="https://p2mi.example.go.id/",
        )
    notice = Notification.objects.get(recipient=user, kind=NotificationKind.ACCOUNT_VERIFICATION)
    assert notice.context == {"site_url": "https://p2mi.example.go.id/"}  # no token in the database
    assert notice.status == DeliveryStatus.SENT
    (email,) = mail.outbox
    assert "https://p2mi.example.go.id/account/verify/" in email.body


@pytest.mark.parametrize("value", ["²", "abc", "99999999999999999999999"])
def test_marking_read_with_a_bad_id_changes_nothing_and_is_not_an_error(client, candidate, value):
    mine = _notice(candidate.user)
    client.force_login(candidate.user)
    response = client.post("/en/me/notifications/read/", {"notification": [value]})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is None


def test_a_message_that_cannot_be_rendered_ends_as_failed(candidate):
    notice = Notification.objects.create(recipient=candidate.user, kind="no_such_kind", context={})
    for _ in range(services.MAX_ATTEMPTS - 1):
        with pytest.raises(services.DeliveryFailed):
            services.notification_deliver(notification_id=notice.pk)
    assert services.notification_deliver(notification_id=notice.pk) is False
    notice.refresh_from_db()
    assert notice.status == DeliveryStatus.FAILED
    assert "TemplateDoesNotExist" in notice.last_error


def test_the_inbox_loads_the_recipient_once_not_per_notification(client, candidate):
    client.force_login(candidate.user)
    _notice(candidate.user)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(INBOX)
    for _ in range(19):
        _notice(candidate.user)
    with CaptureQueriesContext(connection) as twenty:
        client.get(INBOX)
    # The recipient comes with the page; each message still looks up the programme it names.
    assert len(twenty) - len(one) <= 19
