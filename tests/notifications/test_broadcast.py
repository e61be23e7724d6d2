"""Staff broadcasts: who they reach, the preview, sending once, and the fan-out in batches."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from candidates.models import Stage
from notifications import services, tasks
from notifications.models import (
    Broadcast,
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from p2mi_portal.errors import Conflict, DomainError
from tests.accounts.factories import StaffFactory
from tests.candidates.factories import CandidateFactory, application_at
from tests.programs.factories import ProgramFactory


@pytest.fixture
def program(db):
    return ProgramFactory(code="rusal-uji", tracks=[("Rusia", 5), ("Indonesia", 5)])


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def people(program):
    tracks = list(program.tracks.order_by("id"))
    made = {
        "shortlisted_rusia": application_at(Stage.SHORTLISTED, program=program, track=tracks[0]),
        "shortlisted_indonesia": application_at(Stage.SHORTLISTED, program=program, track=tracks[1]),
        "offered_rusia": application_at(Stage.OFFERED, program=program, track=tracks[0]),
        "elsewhere": application_at(Stage.SHORTLISTED, program=ProgramFactory()),
    }
    inactive = application_at(Stage.SHORTLISTED, program=program, candidate=CandidateFactory())
    inactive.candidate.user.is_active = False
    inactive.candidate.user.save()
    return {name: application.candidate.user for name, application in made.items()}


def _create(staff, program, **fields):
    values = {"subject": "Jadwal tes", "body": "Tes tertulis hari Senin.", **fields}
    return services.broadcast_create(actor=staff, program=program, **values)


def test_the_audience_is_the_programme_narrowed_by_stage_and_track(staff, program, people):
    tracks = list(program.tracks.order_by("id"))
    everyone = set(services.broadcast_audience(_create(staff, program)))
    assert everyone == {people["shortlisted_rusia"], people["shortlisted_indonesia"], people["offered_rusia"]}
    shortlisted = set(services.broadcast_audience(_create(staff, program, stage=Stage.SHORTLISTED)))
    assert shortlisted == {people["shortlisted_rusia"], people["shortlisted_indonesia"]}
    on_rusia = set(services.broadcast_audience(_create(staff, program, track=tracks[0])))
    assert on_rusia == {people["shortlisted_rusia"], people["offered_rusia"]}


def test_bad_input_is_refused_and_only_staff_broadcast(staff, program, people):
    with pytest.raises(DomainError) as refused:
        _create(staff, program, subject=" ", stage="hired", track=ProgramFactory().tracks.get())
    assert set(refused.value.fields) == {"subject", "stage", "track"}
    with pytest.raises(DomainError):
        _create(people["offered_rusia"], program)
    assert not Broadcast.objects.exists()


def test_sending_writes_one_notification_per_person_in_batches_and_delivers_each(
    staff, program, people, django_capture_on_commit_callbacks
):
    broadcast = _create(staff, program, subject_en="Test schedule", body_en="Written test on Monday.")
    with django_capture_on_commit_callbacks(execute=True):
        services.broadcast_send(broadcast=broadcast, actor=staff)
    # Tasks run in-process here: the fan-out and the batches already ran.
    broadcast.refresh_from_db()
    assert broadcast.recipients == 3
    assert broadcast.finished_at is not None
    notes = Notification.objects.filter(kind=NotificationKind.BROADCAST)
    assert {n.recipient for n in notes} == {
        people["shortlisted_rusia"],
        people["shortlisted_indonesia"],
        people["offered_rusia"],
    }
    # Default channels and no phone numbers: each is e-mailed, WhatsApp is skipped.
    deliveries = Delivery.objects.filter(notification__in=notes)
    assert set(deliveries.filter(channel=Channel.EMAIL).values_list("status", flat=True)) == {
        DeliveryStatus.SENT
    }
    assert deliveries.filter(channel=Channel.EMAIL).count() == 3
    assert set(deliveries.filter(channel=Channel.WHATSAPP).values_list("status", flat=True)) == {
        DeliveryStatus.SKIPPED
    }
    assert sorted(m.subject for m in mail.outbox) == ["Jadwal tes"] * 3
    with pytest.raises(Conflict):
        services.broadcast_send(broadcast=broadcast, actor=staff)


def test_a_fan_out_run_again_writes_nothing_twice(staff, program, people):
    broadcast = _create(staff, program)
    Broadcast.objects.filter(pk=broadcast.pk).update(sent_at=broadcast.created_at)
    assert services.broadcast_fan_out(broadcast_id=broadcast.pk, batch_size=2) == 3
    assert services.broadcast_fan_out(broadcast_id=broadcast.pk, batch_size=2) == 0
    assert Notification.objects.filter(kind=NotificationKind.BROADCAST).count() == 3
    assert Delivery.objects.filter(channel=Channel.EMAIL).count() == 3


def test_an_interrupted_fan_out_carries_on_where_it_stopped(staff, program, people):
    broadcast = _create(staff, program)
    first = min(user.pk for name, user in people.items() if name != "elsewhere")
    Broadcast.objects.filter(pk=broadcast.pk).update(
        sent_at=broadcast.created_at, fanned_out_to=first, recipients=1
    )
    assert services.broadcast_fan_out(broadcast_id=broadcast.pk, batch_size=1) == 2
    broadcast.refresh_from_db()
    assert broadcast.recipients == 3


def _broadcast_notes(broadcast):
    return Notification.objects.filter(kind=NotificationKind.BROADCAST, context__broadcast_id=broadcast.pk)


def test_the_sweep_resumes_a_fan_out_stopped_half_way_and_writes_nobody_twice(staff, program, people):
    broadcast = _create(staff, program)
    audience = sorted(user.pk for name, user in people.items() if name != "elsewhere")
    # The worker was killed after its first batch committed: one notification, the cursor past it.
    quiet = timezone.now() - datetime.timedelta(minutes=10)
    Broadcast.objects.filter(pk=broadcast.pk).update(
        sent_at=quiet, progressed_at=quiet, fanned_out_to=audience[0], recipients=1
    )
    Notification.objects.create(
        recipient_id=audience[0], kind=NotificationKind.BROADCAST, context={"broadcast_id": broadcast.pk}
    )

    tasks.notifications_resend_pending()  # the periodic sweep; tasks run in-process here

    broadcast.refresh_from_db()
    assert broadcast.finished_at is not None
    assert broadcast.recipients == 3
    assert broadcast.progressed_at > quiet
    assert sorted(_broadcast_notes(broadcast).values_list("recipient_id", flat=True)) == audience
    # A finished broadcast is left alone, whatever its age.
    Broadcast.objects.filter(pk=broadcast.pk).update(progressed_at=quiet)
    assert services.broadcasts_resume() == 0
    assert services.broadcast_fan_out(broadcast_id=broadcast.pk) == 0
    assert _broadcast_notes(broadcast).count() == 3


def test_a_fan_out_never_dispatched_is_resumed_once_quiet_and_a_running_one_is_not(
    staff, program, people, django_capture_on_commit_callbacks
):
    broadcast = _create(staff, program)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # the broker lost the task
        services.broadcast_send(broadcast=broadcast, actor=staff)
    assert len(callbacks) == 1
    broadcast.refresh_from_db()
    assert broadcast.progressed_at == broadcast.sent_at

    # Sent a minute ago: it may still be running, so the sweep leaves it.
    assert services.broadcasts_resume() == 0
    assert not _broadcast_notes(broadcast).exists()

    Broadcast.objects.filter(pk=broadcast.pk).update(
        progressed_at=timezone.now() - datetime.timedelta(minutes=6)
    )
    assert services.broadcasts_resume() == 1
    broadcast.refresh_from_db()
    assert broadcast.finished_at is not None
    assert _broadcast_notes(broadcast).count() == 3
    assert services.broadcasts_resume() == 0


def test_each_batch_records_progress(staff, program, people):
    broadcast = _create(staff, program)
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    Broadcast.objects.filter(pk=broadcast.pk).update(sent_at=long_ago, progressed_at=long_ago)
    progress = []
    original_save = Broadcast.save

    def save(self, *args, **kwargs):
        if "fanned_out_to" in (kwargs.get("update_fields") or ()):
            progress.append((self.fanned_out_to, self.progressed_at))
        return original_save(self, *args, **kwargs)

    with mock.patch.object(Broadcast, "save", save):
        services.broadcast_fan_out(broadcast_id=broadcast.pk, batch_size=1)
    assert len(progress) == 3
    assert all(at > long_ago for _cursor, at in progress)


def test_staff_preview_in_the_admin_then_send(
    client, staff, program, people, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    response = client.post(
        "/en/admin/notifications/broadcast/add/",
        {
            "program": program.pk,
            "stage": Stage.SHORTLISTED,
            "track": "",
            "subject": "Jadwal tes",
            "body": "Tes tertulis hari Senin.",
            "subject_en": "Test schedule",
            "body_en": "Written test on Monday.",
        },
    )
    broadcast = Broadcast.objects.get()
    assert response["Location"].endswith(f"/notifications/broadcast/{broadcast.pk}/change/")
    page = client.get(response["Location"]).content.decode()
    assert "It reaches 2 people." in page
    assert "Test schedule" in page  # previewed in the page's language
    assert not Notification.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/admin/notifications/broadcast/{broadcast.pk}/send/", follow=True)
    assert "The broadcast is being sent" in response.content.decode()
    assert Notification.objects.filter(kind=NotificationKind.BROADCAST).count() == 2
    response = client.post(f"/en/admin/notifications/broadcast/{broadcast.pk}/send/", follow=True)
    assert "already been sent" in response.content.decode()
    assert Notification.objects.filter(kind=NotificationKind.BROADCAST).count() == 2


def test_the_fan_out_writes_deliveries_by_each_persons_channels(
    staff, program, people, django_capture_on_commit_callbacks, text_outbox, settings
):
    settings.SITE_URL = "https://p2mi.example.go.id"
    sms_only = people["shortlisted_rusia"]
    sms_only.phone = "+6281111111111"
    sms_only.save()
    NotificationPreference.objects.create(user=sms_only, email=False, sms=True, whatsapp=False)
    everything = people["shortlisted_indonesia"]
    everything.phone = "+6282222222222"
    everything.language = "en"
    everything.save()
    NotificationPreference.objects.create(user=everything, email=True, sms=True, whatsapp=True)
    defaults = people["offered_rusia"]  # never chose, and has no phone
    broadcast = _create(staff, program, subject_en="Test schedule", body_en="Written test on Monday.")

    with django_capture_on_commit_callbacks(execute=True):
        services.broadcast_send(broadcast=broadcast, actor=staff)

    def channels(user):
        return dict(Delivery.objects.filter(notification__recipient=user).values_list("channel", "status"))

    assert channels(sms_only) == {Channel.SMS: DeliveryStatus.SENT}
    assert channels(everything) == {
        Channel.EMAIL: DeliveryStatus.SENT,
        Channel.SMS: DeliveryStatus.SENT,
        Channel.WHATSAPP: DeliveryStatus.SENT,
    }
    assert channels(defaults) == {
        Channel.EMAIL: DeliveryStatus.SENT,
        Channel.WHATSAPP: DeliveryStatus.SKIPPED,
    }
    assert sorted(m.to[0] for m in mail.outbox) == sorted([everything.email, defaults.email])
    texts = sorted((t["to"], t["channel"], t["text"]) for t in text_outbox)
    assert texts == [
        (
            "+6281111111111",
            "sms",
            "KP2MI: Jadwal tes\nTes tertulis hari Senin.\nhttps://p2mi.example.go.id/me/notifications/",
        ),
        (
            "+6282222222222",
            "sms",
            "KP2MI: Test schedule\nWritten test on Monday.\nhttps://p2mi.example.go.id/en/me/notifications/",
        ),
        (
            "+6282222222222",
            "whatsapp",
            "KP2MI: Test schedule\nWritten test on Monday.\nhttps://p2mi.example.go.id/en/me/notifications/",
        ),
    ]
    # Each person still has the message once in the inbox.
    assert Notification.objects.filter(kind=NotificationKind.BROADCAST).count() == 3


def test_the_fan_out_reads_the_batch_in_a_fixed_number_of_queries(
    staff, program, people, django_assert_max_num_queries
):
    for index in range(20):
        user = application_at(Stage.SHORTLISTED, program=program).candidate.user
        if index % 2:
            NotificationPreference.objects.create(user=user, email=True, sms=True, whatsapp=False)
    broadcast = _create(staff, program)
    Broadcast.objects.filter(pk=broadcast.pk).update(sent_at=broadcast.created_at)
    # Lock, read the batch with channels, two bulk inserts, progress; then the empty last batch.
    with django_assert_max_num_queries(12):
        assert services.broadcast_fan_out(broadcast_id=broadcast.pk, batch_size=1000) == 23


def test_the_audience_after_an_account_leaves_out_everyone_reached_before(staff, program, people):
    broadcast = _create(staff, program)
    everyone = list(services.broadcast_audience(broadcast).values_list("pk", flat=True))
    assert everyone == sorted(everyone) and len(everyone) == 3
    rest = list(
        services.broadcast_audience(broadcast, after_user_id=everyone[0]).values_list("pk", flat=True)
    )
    assert rest == everyone[1:]
    assert not services.broadcast_audience(broadcast, after_user_id=everyone[-1]).exists()


def test_a_batch_of_deliveries_reads_the_broadcast_once(
    staff, program, people, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(6):
        application_at(Stage.SHORTLISTED, program=program)
    broadcast = _create(staff, program)
    Broadcast.objects.filter(pk=broadcast.pk).update(sent_at=broadcast.created_at)
    with django_capture_on_commit_callbacks(execute=False):
        services.broadcast_fan_out(broadcast_id=broadcast.pk)
    pending = list(Delivery.objects.filter(status=DeliveryStatus.PENDING).values_list("pk", flat=True))
    assert len(pending) >= 9
    with CaptureQueriesContext(connection) as queries:
        assert services.deliveries_deliver_batch(delivery_ids=pending) == len(pending)
    broadcast_reads = [q for q in queries.captured_queries if '"notifications_broadcast"' in q["sql"]]
    assert len(broadcast_reads) == 1
    assert (
        len(mail.outbox) == Delivery.objects.filter(channel=Channel.EMAIL, status=DeliveryStatus.SENT).count()
    )
    assert mail.outbox and all("Jadwal tes" in message.subject for message in mail.outbox)


def test_staff_change_an_unsent_broadcast_in_the_admin_but_never_a_sent_one(client, staff, program):
    broadcast = _create(staff, program)
    tracks = list(program.tracks.order_by("id"))
    client.force_login(staff)
    with translation.override("en"):
        url = reverse("admin:notifications_broadcast_change", args=[broadcast.pk])
    form = {
        "program": program.pk,
        "stage": Stage.SHORTLISTED,
        "track": tracks[1].pk,
        "subject": "Jadwal tes baru",
        "body": "Tes tertulis hari Selasa.",
        "subject_en": "",
        "body_en": "",
    }
    assert client.post(url, form).status_code == 302
    broadcast.refresh_from_db()
    assert (broadcast.subject, broadcast.body, broadcast.stage, broadcast.track) == (
        "Jadwal tes baru",
        "Tes tertulis hari Selasa.",
        Stage.SHORTLISTED,
        tracks[1],
    )
    elsewhere = ProgramFactory().tracks.first()
    response = client.post(url, {**form, "track": elsewhere.pk, "subject": "Lain"})
    assert response.status_code == 200
    assert "Choose one of this programme" in response.content.decode()
    services.broadcast_send(broadcast=broadcast, actor=staff)
    client.post(url, {**form, "subject": "Terlambat"})
    broadcast.refresh_from_db()
    assert broadcast.subject == "Jadwal tes baru"
