"""Staff broadcasts: who they reach, the preview, sending once, and the fan-out in batches."""

from __future__ import annotations

import pytest
from django.core import mail

from candidates.models import Stage
from notifications import services
from notifications.models import Broadcast, DeliveryStatus, Notification, NotificationKind
from p2mi_portal.errors import Conflict, DomainError
from tests.factories import CandidateFactory, ProgramFactory, StaffFactory, application_at


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
    assert set(notes.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert sorted(m.subject for m in mail.outbox) == ["Jadwal tes"] * 3
    with pytest.raises(Conflict):
        services.broadcast_send(broadcast=broadcast, actor=staff)


def test_a_fan_out_run_again_writes_nothing_twice(staff, program, people):
    broadcast = _create(staff, program)
    Broadcast.objects.filter(pk=broadcast.pk).update(sent_at=broadcast.created_at)
    assert services.broadcast_fan_out(broadcast_id=broadcast.pk, batch_size=2) == 3
    assert services.broadcast_fan_out(broadcast_id=broadcast.pk, batch_size=2) == 0
    assert Notification.objects.filter(kind=NotificationKind.BROADCAST).count() == 3


def test_an_interrupted_fan_out_carries_on_where_it_stopped(staff, program, people):
    broadcast = _create(staff, program)
    first = min(user.pk for name, user in people.items() if name != "elsewhere")
    Broadcast.objects.filter(pk=broadcast.pk).update(
        sent_at=broadcast.created_at, fanned_out_to=first, recipients=1
    )
    assert services.broadcast_fan_out(broadcast_id=broadcast.pk, batch_size=1) == 2
    broadcast.refresh_from_db()
    assert broadcast.recipients == 3


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
