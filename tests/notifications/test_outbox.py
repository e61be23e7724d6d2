"""The notification outbox: written with the move, delivered after commit, once, in the reader's language.

A stage move by someone other than the candidate writes one ``Notification`` and its
deliveries (one per channel the candidate chose) in the move's own transaction; after
commit a task sends each pending delivery. A failing channel or an unreachable broker
leaves the delivery pending, never the move undone.
"""

from __future__ import annotations

import datetime
import smtplib
import socket
import time

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from kombu.exceptions import OperationalError

from candidates import services
from candidates.models import Application, Stage
from notifications import tasks
from notifications.models import Channel, Delivery, DeliveryStatus, Notification, NotificationKind
from notifications.services import DeliveryFailed, delivery_deliver, notification_render
from programs.models import ProgramStatus
from tests.accounts.factories import StaffFactory
from tests.candidates.factories import CandidateFactory, application_at
from tests.programs.factories import ProgramFactory

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
FAILING = f"{__name__}.FailingEmailBackend"


class FailingEmailBackend(BaseEmailBackend):
    """An SMTP server that hangs up on every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def program(db):
    program = ProgramFactory(
        code="rusal-smk-go-global-2026",
        title="SMK Go Global 2026 — RUSAL, Rusia",
        title_en="SMK Go Global 2026 — RUSAL, Russia",
        total_seats=50,
        tracks=[("Rusia", 25), ("Indonesia — proyek Rusia", 25)],
        status=ProgramStatus.SELECTION,
    )
    program.tracks.filter(name="Indonesia — proyek Rusia").update(name_en="Indonesia — Russian project")
    return program


@pytest.fixture
def tracks(program):
    return list(program.tracks.order_by("id"))


@pytest.fixture
def staff(db):
    return StaffFactory(email="staf@p2mi.go.id", full_name="Staf Seleksi")


def interview_slot() -> services.InterviewSlot:
    return services.InterviewSlot(
        starts_at=timezone.now() + datetime.timedelta(days=5),
        place="Kantor KP2MI, Jakarta",
        interviewer="Ibu Sari",
    )


def wib(day_offset: int, hour: int, minute: int = 0) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=day_offset)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def formatted(value: datetime.datetime, pattern: str, language: str) -> str:
    with translation.override(language):
        return dateformat.format(timezone.localtime(value), pattern)


def offer(application: Application, staff, **kwargs) -> Application:
    return services.application_move(application=application, to_stage=Stage.OFFERED, actor=staff, **kwargs)


def notifications_of(application: Application):
    return Notification.objects.filter(recipient=application.candidate.user)


def email_of(notification: Notification) -> Delivery:
    return notification.deliveries.get(channel=Channel.EMAIL)


# --- Written with the move ---------------------------------------------------------------

STAFF_MOVES = [
    (Stage.SHORTLISTED, Stage.INTERVIEW_SCHEDULED, NotificationKind.INTERVIEW_SCHEDULED),
    (Stage.INTERVIEWED, Stage.OFFERED, NotificationKind.SEAT_OFFERED),
    (Stage.SCREENING, Stage.REJECTED, NotificationKind.STAGE_CHANGED),
    (Stage.SUBMITTED, Stage.SCREENING, NotificationKind.STAGE_CHANGED),
]


@pytest.mark.parametrize(
    ("source", "target", "kind"), STAFF_MOVES, ids=[f"{source}-{target}" for source, target, _ in STAFF_MOVES]
)
def test_staff_move_writes_one_pending_notification_of_the_right_kind_before_commit(
    program, staff, mailoutbox, django_capture_on_commit_callbacks, source, target, kind
):
    application = application_at(source, program=program)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.application_move(
            application=application,
            to_stage=target,
            actor=staff,
            reason="Dokumen tidak lengkap." if target == Stage.REJECTED else "",
            interview=interview_slot() if target == Stage.INTERVIEW_SCHEDULED else None,
        )
        # Not committed yet: the row is already there, nothing has been sent.
        notification = notifications_of(application).get()
        assert mailoutbox == []

    # The delivery waits for the commit (captured here, not run).
    assert len(callbacks) == 1
    assert mailoutbox == []
    assert Notification.objects.count() == 1
    assert notification.kind == kind
    # The default channels: e-mail, and WhatsApp, which has no number to go to here.
    assert dict(notification.deliveries.values_list("channel", "status")) == {
        Channel.EMAIL: DeliveryStatus.PENDING,
        Channel.WHATSAPP: DeliveryStatus.SKIPPED,
    }
    email = email_of(notification)
    assert (email.status, email.attempts, email.sent_at) == (DeliveryStatus.PENDING, 0, None)
    assert notification.context["application_id"] == application.pk
    assert notification.context["stage"] == target
    if kind == NotificationKind.INTERVIEW_SCHEDULED:
        assert notification.context["interview_interviewer"] == "Ibu Sari"
    if kind == NotificationKind.SEAT_OFFERED:
        assert notification.context["track_id"] == application.preferred_track_id
        assert "offer_expires_at" in notification.context
    if target == Stage.REJECTED:
        assert notification.context["reason"] == "Dokumen tidak lengkap."


def test_notification_is_rolled_back_with_a_move_whose_transaction_fails(
    program, staff, django_capture_on_commit_callbacks
):
    application = application_at(Stage.INTERVIEWED, program=program)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        offer(application, staff)
        assert notifications_of(application).count() == 1
        raise RuntimeError("the surrounding request failed")

    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()
    assert callbacks == []
    application.refresh_from_db()
    assert application.stage == Stage.INTERVIEWED


def test_candidate_withdrawing_themselves_is_not_notified(
    client, program, mailoutbox, django_capture_on_commit_callbacks
):
    application = application_at(Stage.SHORTLISTED, program=program)
    client.force_login(application.candidate.user)

    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        response = client.post(
            reverse("candidates:withdraw", args=[application.pk]),
            {"reason": "Saya diterima kerja di dalam negeri"},
        )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.stage == Stage.WITHDRAWN
    assert not Notification.objects.exists()
    assert mailoutbox == []


# --- Delivered after commit, once --------------------------------------------------------


def test_after_commit_the_email_is_sent_once_and_the_row_is_marked_sent(
    program, staff, mailoutbox, django_capture_on_commit_callbacks
):
    application = application_at(Stage.INTERVIEWED, program=program)
    user = application.candidate.user

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        offer(application, staff)

    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [user.email]
    assert program.title in message.subject
    email = email_of(notifications_of(application).get())
    assert email.status == DeliveryStatus.SENT
    assert email.sent_at is not None
    assert email.attempts == 1
    assert email.last_error == ""
    # The message's own Message-ID is the e-mail's provider id: it finds the message in mail logs.
    assert email.provider_message_id == message.extra_headers["Message-ID"]

    assert delivery_deliver(delivery_id=email.pk) is False
    assert tasks.delivery_send.delay(email.pk).get() is False
    assert len(mailoutbox) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (DeliveryStatus.SENT, 1)


# --- In the recipient's language ---------------------------------------------------------


def test_seat_offered_is_rendered_in_each_recipients_language_with_deadline_and_track(program, tracks, staff):
    track = tracks[1]
    deadline = wib(6, 16, 0)
    english_user = CandidateFactory(user__language="en")
    indonesian_user = CandidateFactory(user__language="id")
    for candidate in (english_user, indonesian_user):
        offer(
            application_at(Stage.INTERVIEWED, program=program, candidate=candidate),
            staff,
            track=track,
            offer_deadline=deadline,
        )
    english = Notification.objects.get(recipient=english_user.user, kind=NotificationKind.SEAT_OFFERED)
    indonesian = Notification.objects.get(recipient=indonesian_user.user, kind=NotificationKind.SEAT_OFFERED)

    # Rendering does not depend on the language active where it runs (a worker, a request).
    with translation.override("id"):
        english_subject, english_body = notification_render(english)
    with translation.override("en"):
        indonesian_subject, indonesian_body = notification_render(indonesian)

    assert english_subject == "A seat is offered to you: SMK Go Global 2026 — RUSAL, Russia"
    assert indonesian_subject != english_subject
    assert "SMK Go Global 2026 — RUSAL, Rusia" in indonesian_subject
    assert "Russia" not in indonesian_subject

    english_deadline = formatted(deadline, "l, j F Y, H:i", "en")
    indonesian_deadline = formatted(deadline, "l, j F Y, H:i", "id")
    assert english_deadline != indonesian_deadline  # day and month names differ
    assert "16:00" in english_deadline
    assert f"before {english_deadline} WIB" in english_body
    assert "Congratulations: you are offered a seat in SMK Go Global 2026 — RUSAL, Russia" in english_body
    assert "“Indonesia — Russian project”" in english_body
    assert f"{indonesian_deadline} WIB" in indonesian_body
    assert english_deadline not in indonesian_body
    assert "Indonesia — proyek Rusia" in indonesian_body
    assert "Russian project" not in indonesian_body


def test_seat_offered_from_the_waiting_list_says_so(client, program, tracks, staff):
    track = tracks[0]
    declining = application_at(Stage.OFFERED, program=program, track=track)
    waiting = application_at(
        Stage.WAITLISTED, program=program, track=track, candidate=CandidateFactory(user__language="en")
    )

    services.application_answer_offer(application=declining, actor=declining.candidate.user, accept=False)

    notification = notifications_of(waiting).get()
    _, body = notification_render(notification)
    assert "as the next candidate on the waiting list, you are offered a seat" in body
    assert "“Rusia”" in body


def test_seat_offered_subject_text_itself_is_translated_for_indonesian_recipients(program, staff):
    # Same title in both languages: any difference comes from the translated template text.
    program.title_en = ""
    program.save(update_fields=["title_en"])
    english_user = CandidateFactory(user__language="en")
    indonesian_user = CandidateFactory(user__language="id")
    for candidate in (english_user, indonesian_user):
        offer(application_at(Stage.INTERVIEWED, program=program, candidate=candidate), staff)

    english_subject, english_body = notification_render(Notification.objects.get(recipient=english_user.user))
    indonesian_subject, indonesian_body = notification_render(
        Notification.objects.get(recipient=indonesian_user.user)
    )

    assert english_subject == f"A seat is offered to you: {program.title}"
    assert "Congratulations" in english_body
    assert program.title in indonesian_subject
    assert indonesian_subject != english_subject
    assert "A seat is offered to you" not in indonesian_subject
    assert "Congratulations" not in indonesian_body
    assert "Accept or decline the offer" not in indonesian_body


# --- When delivery fails -----------------------------------------------------------------


@pytest.fixture
def hung_smtp_server():
    """An SMTP server that accepts the connection and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


def test_a_hung_smtp_server_is_a_failed_try_after_email_timeout(program, staff, settings, hung_smtp_server):
    application = application_at(Stage.INTERVIEWED, program=program)
    offer(application, staff)
    email = email_of(notifications_of(application).get())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", hung_smtp_server
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 0.5

    started = time.monotonic()
    with pytest.raises(DeliveryFailed, match=r"TimeoutError|timed out"):
        delivery_deliver(delivery_id=email.pk)

    assert time.monotonic() - started < 5
    email.refresh_from_db()
    assert (email.status, email.attempts) == (DeliveryStatus.PENDING, 1)


def test_email_timeout_has_a_default():
    from django.conf import settings

    assert settings.EMAIL_TIMEOUT == 10.0


def test_failing_email_backend_keeps_the_row_pending_and_a_later_delivery_sends_it_once(
    program, staff, settings, mailoutbox
):
    application = application_at(Stage.INTERVIEWED, program=program)
    offer(application, staff)  # in the test's transaction: nothing is dispatched
    email = email_of(notifications_of(application).get())

    settings.EMAIL_BACKEND = FAILING
    for attempt in (1, 2):
        with pytest.raises(DeliveryFailed, match="SMTPServerDisconnected"):
            delivery_deliver(delivery_id=email.pk)
        email.refresh_from_db()
        assert email.status == DeliveryStatus.PENDING
        assert email.attempts == attempt
        assert email.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
        assert email.sent_at is None
    assert mail.outbox == []

    settings.EMAIL_BACKEND = LOCMEM
    assert delivery_deliver(delivery_id=email.pk) is True
    assert delivery_deliver(delivery_id=email.pk) is False

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [application.candidate.user.email]
    email.refresh_from_db()
    assert email.status == DeliveryStatus.SENT
    assert email.attempts == 3
    assert email.last_error == ""
    assert email.sent_at is not None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "failure",
    [OperationalError("[Errno 111] Connection refused"), ConnectionRefusedError(111, "Connection refused")],
    ids=["kombu-operational-error", "connection-refused"],
)
def test_staff_move_commits_and_notification_stays_pending_when_dispatch_fails(
    client, program, monkeypatch, mailoutbox, failure
):
    dispatched = []

    def broker_down(*args, **kwargs):
        dispatched.append(args)
        raise failure

    monkeypatch.setattr(tasks.delivery_send, "delay", broker_down)
    application = application_at(Stage.INTERVIEWED, program=program)
    staff = StaffFactory()
    client.force_login(staff)

    with translation.override("en"):
        url = reverse("admin:candidates_application_move", args=[application.pk])
        response = client.post(url, {"to_stage": Stage.OFFERED})

    assert response.status_code == 302, response.content.decode()[:2000]
    committed = Application.objects.get(pk=application.pk)
    assert committed.stage == Stage.OFFERED
    assert committed.events.get().actor == staff
    notification = notifications_of(application).get()
    email = email_of(notification)
    assert dispatched == [(email.pk,)]  # the skipped WhatsApp delivery is not dispatched
    assert notification.kind == NotificationKind.SEAT_OFFERED
    assert (email.status, email.attempts, email.sent_at) == (DeliveryStatus.PENDING, 0, None)
    assert mailoutbox == []
    # The row is the proof something remains to be sent: a later run delivers it.
    assert delivery_deliver(delivery_id=email.pk) is True
    assert len(mailoutbox) == 1
