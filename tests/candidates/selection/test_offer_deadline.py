"""The admin's move form refuses an offer deadline outside the programme's answer window,
with the allowed range in the message, and moves nothing."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from candidates.models import Stage
from tests.candidates.factories import application_at
from tests.candidates.selection.test_admin import move_data, move_url, seat_counters, wib_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.mark.parametrize(
    "delta",
    [datetime.timedelta(days=3650), datetime.timedelta(minutes=5), datetime.timedelta(days=8, hours=1)],
    ids=["ten-years", "five-minutes", "past-the-window"],
)
def test_move_form_refuses_a_deadline_outside_the_window(staff_client, program, tracks, delta):
    application = application_at(Stage.INTERVIEWED, program=program, track=tracks[0])
    response = staff_client.post(
        move_url(application),
        move_data(Stage.OFFERED, offer_deadline=wib_input(timezone.now() + delta)),
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["offer_deadline"]
    assert "at least one day from now, and at most the programme's 7 days to answer" in error
    application.refresh_from_db()
    assert application.stage == Stage.INTERVIEWED
    assert seat_counters(tracks[0]) == (0, 0)


def test_move_form_keeps_a_deadline_inside_the_window(staff_client, program, tracks):
    application = application_at(Stage.INTERVIEWED, program=program, track=tracks[0])
    deadline = (timezone.now() + datetime.timedelta(days=2)).replace(second=0, microsecond=0)
    response = staff_client.post(
        move_url(application), move_data(Stage.OFFERED, offer_deadline=wib_input(deadline))
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.offer_expires_at == deadline
