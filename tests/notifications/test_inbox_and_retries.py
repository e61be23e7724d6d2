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
from notifications import services, tasks
from notifications.models import Channel, Delivery, DeliveryStatus, Notification, NotificationKind
from notifications.services import outbox
from tests.accounts.factories import StaffFactory, UserFactory
from tests.candidates.factories import CandidateFactory, document_opened
from tests.programs.factories import ProgramFactory

INBOX = "/en/me/notifications/"


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("provider down")


def _notice(recipient) -> Notification:
    program = ProgramFactory.create(code=f"program-{Notification.objects.count()}", title="SMK Go Global")
    return Notification.objects.create(
        recipient=recipient,
        kind=NotificationKind.STAGE_CHANGED,
        context={"stage": "shortlisted", "reason": "", "program_id": program.pk},
    )


def _email(recipient, **fields) -> Delivery:
    """A notice with its e-mail delivery (in the state ``fields`` give)."""
    return Delivery.objects.create(notification=_notice(recipient), channel=Channel.EMAIL, **fields)


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


def test_large_ids_are_written_without_thousand_separators(client, candidate):
    """Ids are identifiers, not amounts: "1234567", never "1,234,567" or "1.234.567"."""
    notice = _notice(candidate.user)
    Notification.objects.filter(pk=notice.pk).update(id=1234567)
    client.force_login(candidate.user)
    for inbox in (INBOX, "/me/notifications/"):
        assert 'id="notification-1234567"' in client.get(inbox).content.decode()


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


def test_a_message_that_cannot_be_rendered_does_not_hide_the_others(client, candidate, caplog):
    _notice(candidate.user)
    broken = Notification.objects.create(
        recipient=candidate.user,
        kind=NotificationKind.INTERVIEW_SCHEDULED,
        context={"starts_at": "not a time", "program_id": 0},
    )
    client.force_login(candidate.user)
    with caplog.at_level("ERROR", logger="notifications.views"):
        response = client.get("/en/me/notifications/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "SMK Go Global" in page  # the other message is shown in full
    assert f'id="notification-{broken.pk}"' in page
    assert "This message cannot be shown right now." in page
    assert f"notification {broken.pk} (interview_scheduled) could not be rendered" in caplog.text


def test_the_inbox_is_in_indonesian_at_the_root_address(client, candidate):
    _notice(candidate.user)
    client.force_login(candidate.user)
    page = client.get("/me/notifications/").content.decode()
    assert "Notifikasi" in page


def test_a_rejected_document_notifies_the_candidate_with_the_reason(
    candidate, django_capture_on_commit_callbacks, settings, tmp_path, text_outbox
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
    candidate.user.phone = "+6281234567890"
    candidate.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        candidate_services.document_review(
            document=document, status=DocumentStatus.REJECTED, reason="Foto buram", actor=StaffFactory()
        )
    notice = Notification.objects.get(recipient=candidate.user)
    assert notice.kind == NotificationKind.DOCUMENT_REJECTED
    assert dict(notice.deliveries.values_list("channel", "status")) == {
        Channel.EMAIL: DeliveryStatus.SENT,
        Channel.WHATSAPP: DeliveryStatus.SENT,
    }
    (email,) = mail.outbox
    assert "Diploma (ijazah)" in email.subject
    assert "Foto buram" in email.body
    assert "/en/me/documents/" in email.body
    # The WhatsApp text is the short one, with the same facts and link.
    (text,) = text_outbox
    assert (text["channel"], text["to"]) == ("whatsapp", "+6281234567890")
    assert text["text"].startswith("KP2MI: Please upload your Diploma (ijazah) again.")
    assert "Reason: Foto buram" in text["text"]
    assert "/en/me/documents/" in text["text"]
    assert "Hello" not in text["text"]


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
    staff = StaffFactory()
    document_opened(document, by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        candidate_services.document_review(
            document=document, status=DocumentStatus.VERIFIED, reason="", actor=staff
        )
    assert not Notification.objects.exists()


def test_after_the_last_attempt_the_failure_is_recorded_for_staff(candidate, settings, caplog):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    delivery = _email(candidate.user)
    for _ in range(services.MAX_ATTEMPTS - 1):
        with pytest.raises(services.DeliveryFailed):
            services.delivery_deliver(delivery_id=delivery.pk)
    assert services.delivery_deliver(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == services.MAX_ATTEMPTS
    assert "provider down" in delivery.last_error
    assert any("failed after" in record.getMessage() for record in caplog.records)
    # No log line names the address it failed to reach.
    assert not any(candidate.user.email in record.getMessage() for record in caplog.records)
    # A failed delivery is not tried again.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.delivery_deliver(delivery_id=delivery.pk) is False
    assert mail.outbox == []


def test_the_sweep_resends_what_is_still_pending_and_quiet(candidate):
    long_ago = timezone.now() - datetime.timedelta(minutes=30)
    stranded = _email(candidate.user)  # e.g. written while the broker was down
    retried_recently = _email(candidate.user, attempts=1, attempted_at=timezone.now())
    fresh = _email(candidate.user)
    done = _email(candidate.user, status=DeliveryStatus.SENT, sent_at=long_ago)
    Delivery.objects.filter(pk__in=[stranded.pk, retried_recently.pk, done.pk]).update(created_at=long_ago)

    assert services.deliveries_sweep() == 1

    stranded.refresh_from_db()
    assert stranded.status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1
    for untouched in (retried_recently, fresh):
        untouched.refresh_from_db()
        assert untouched.status == DeliveryStatus.PENDING
    assert services.deliveries_sweep() == 0


@pytest.mark.parametrize(
    "attempts, minutes_ago, swept",
    [
        (1, 4, False),  # quiet for less than 5 minutes
        (1, 6, True),  # retry due within 30 s: lost
        (5, 10, False),  # its own retry may still come: up to 8 minutes after the try
        (5, 14, True),
        (7, 30, False),  # up to 32 minutes, then the 5 quiet ones
        (7, 38, True),
    ],
)
def test_the_sweep_never_shortens_the_backoff_of_a_failing_delivery(candidate, attempts, minutes_ago, swept):
    tried = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    delivery = _email(candidate.user, attempts=attempts, attempted_at=tried, last_error="SMTP down")
    Delivery.objects.filter(pk=delivery.pk).update(created_at=tried - datetime.timedelta(hours=2))

    assert services.deliveries_sweep() == (1 if swept else 0)
    delivery.refresh_from_db()
    assert delivery.attempts == (attempts + 1 if swept else attempts)


def test_the_longest_retry_wait_follows_the_task_backoff(settings):
    assert settings.NOTIFICATION_RETRY_BACKOFF == 30
    waits = [outbox.retry_wait_longest(attempts).total_seconds() for attempts in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert tasks.delivery_send.retry_backoff_max == services.RETRY_BACKOFF_MAX


def test_the_sweep_is_on_the_beat_schedule(settings):
    from p2mi_portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["resend-pending-notifications"]
    assert entry["task"] == "notifications.tasks.notifications_resend_pending"
    assert entry["task"] in app.tasks


def test_staff_see_failures_and_send_them_again_from_the_admin(
    client, candidate, settings, django_capture_on_commit_callbacks
):
    failed = _email(
        candidate.user, status=DeliveryStatus.FAILED, attempts=8, last_error="SMTP: provider down"
    )
    sent = _email(candidate.user, status=DeliveryStatus.SENT, attempts=1)
    staff = StaffFactory()
    client.force_login(staff)
    listing = client.get("/en/admin/notifications/delivery/?status=failed").content.decode()
    assert f"/notifications/delivery/{failed.pk}/change/" in listing
    assert f"/notifications/delivery/{sent.pk}/change/" not in listing
    assert (
        "SMTP: provider down"
        in client.get(f"/en/admin/notifications/delivery/{failed.pk}/change/").content.decode()
    )
    # The notification shows its deliveries, and its list finds the ones with a failure.
    notice_page = client.get(
        f"/en/admin/notifications/notification/{failed.notification_id}/change/"
    ).content.decode()
    assert "SMTP: provider down" in notice_page
    notices = client.get("/en/admin/notifications/notification/?delivery=failed").content.decode()
    assert f"/notifications/notification/{failed.notification_id}/change/" in notices
    assert f"/notifications/notification/{sent.notification_id}/change/" not in notices

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/admin/notifications/delivery/",
            {"action": "send_again", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )
    page = response.content.decode()
    assert "1 delivery queued again." in page
    assert "Only failed deliveries are sent again; 1 other was left as it is." in page
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
    # By e-mail only, though the new account has a phone number and WhatsApp is on by default.
    assert list(notice.deliveries.values_list("channel", "status")) == [(Channel.EMAIL, DeliveryStatus.SENT)]
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


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.SMS])
def test_a_message_that_cannot_be_rendered_ends_as_failed(candidate, channel, text_outbox):
    candidate.user.phone = "+6281234567890"
    candidate.user.save()
    notice = Notification.objects.create(recipient=candidate.user, kind="no_such_kind", context={})
    delivery = Delivery.objects.create(notification=notice, channel=channel)
    for _ in range(services.MAX_ATTEMPTS - 1):
        with pytest.raises(services.DeliveryFailed):
            services.delivery_deliver(delivery_id=delivery.pk)
    assert services.delivery_deliver(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "TemplateDoesNotExist" in delivery.last_error
    assert mail.outbox == [] and text_outbox == []


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
