"""A broker that is down costs one request a bounded wait, never a failure, and never each message.

After a failed publish the process stops asking the broker for NOTIFICATION_BROKER_PAUSE
seconds; deliveries stay pending and the sweep sends them once the broker is back.
"""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse
from django.utils import translation

from candidates.models import Application, Stage
from notifications.models import Channel, Delivery, DeliveryStatus, NotificationKind
from notifications.services import notification_queue, outbox
from programs.models import ProgramStatus
from tests.accounts.factories import StaffFactory
from tests.candidates.factories import CandidateFactory, application_at
from tests.programs.factories import ProgramFactory


@pytest.mark.django_db(transaction=True)
def test_a_staff_move_succeeds_while_the_broker_refuses_and_later_dispatches_wait_for_the_pause(
    client, broker, clock, caplog
):
    program = ProgramFactory(status=ProgramStatus.SELECTION)
    first = application_at(Stage.INTERVIEWED, program=program)
    second = CandidateFactory()
    client.force_login(StaffFactory())

    with translation.override("en"), caplog.at_level(logging.WARNING, logger=outbox.logger.name):
        response = client.post(
            reverse("admin:candidates_application_move", args=[first.pk]), {"to_stage": Stage.OFFERED}
        )

    assert response.status_code == 302
    assert Application.objects.get(pk=first.pk).stage == Stage.OFFERED
    email = Delivery.objects.get(notification__recipient=first.candidate.user, channel=Channel.EMAIL)
    assert email.notification.kind == NotificationKind.SEAT_OFFERED
    assert (email.status, email.attempts) == (DeliveryStatus.PENDING, 0)
    assert broker.published == [(email.pk,)]  # tried once
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "paused for 30" in warnings[0].getMessage()
    assert first.candidate.user.email not in caplog.text

    # Within the pause another message is written and kept, without asking the broker.
    clock.now += 29
    notification_queue(
        recipient=second.user, kind=NotificationKind.STAGE_CHANGED, context={"stage": "screening"}
    )
    later = Delivery.objects.get(notification__recipient=second.user, channel=Channel.EMAIL)
    assert later.status == DeliveryStatus.PENDING
    assert broker.published == [(email.pk,)]
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1

    # After the pause the broker is asked again; it is back, and the sweep's work is queued.
    clock.now += 2
    broker.up = True
    outbox.deliveries_dispatch(delivery_ids=[email.pk, later.pk])
    assert broker.published == [(email.pk,), (email.pk,), (later.pk,)]
    assert not outbox.broker_paused()


def test_a_hanging_or_refusing_broker_trips_the_pause_and_it_ends(broker, clock, db):
    assert outbox.task_publish(_task(), 1) is False
    assert outbox.broker_paused()
    clock.now += 30
    assert not outbox.broker_paused()
    broker.up = True
    assert outbox.task_publish(_task(), 2) is True
    assert broker.published == [(1,), (2,)]


def test_by_default_a_publish_waits_about_a_second_and_a_failure_pauses_thirty():
    from p2mi_portal.celery import app

    assert app.conf.broker_connection_timeout == 1.0
    assert app.conf.broker_transport_options["socket_connect_timeout"] == 1.0
    assert app.conf.broker_transport_options["socket_timeout"] == 1.0
    assert app.conf.task_publish_retry_policy["max_retries"] == 1
    from django.conf import settings

    assert settings.NOTIFICATION_BROKER_PAUSE == 30.0


def _task():
    from notifications.tasks import delivery_send

    return delivery_send


def test_a_task_failing_in_process_is_reported_as_not_done_and_logged_without_raising(caplog):
    from celery import shared_task

    @shared_task(name="tests.failing_task")
    def failing_task(delivery_id: int) -> None:
        raise RuntimeError("provider exploded")

    with caplog.at_level(logging.WARNING, logger=outbox.logger.name):
        assert outbox.task_publish(failing_task, 41) is False
    assert "task tests.failing_task(41,) failed in-process" in caplog.text
    assert not outbox.broker_paused()  # not the broker's fault: nothing is paused
