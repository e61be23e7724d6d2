"""An offer's deadline lies within the programme's answer window: at least one day from now,
at most the end of its last day to answer (a seat cannot be held for ever, nor answered in a
minute)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from candidates.models import Application, Stage
from tests.api.test_partner_api import error_of, transition_url
from tests.candidates.factories import application_at

pytestmark = pytest.mark.django_db


def _offer(api_client, application, deadline: str, language: str = "en"):
    return api_client.post(
        transition_url(application.pk),
        {"to": "offered", "offer_deadline": deadline},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )


@pytest.mark.parametrize(
    "deadline",
    [
        "9999-12-31T23:59:00+07:00",
        datetime.timedelta(minutes=1),
        datetime.timedelta(hours=20),
        datetime.timedelta(days=9),  # the programme gives 7 days
    ],
    ids=["year-9999", "one-minute", "twenty-hours", "nine-days"],
)
def test_a_deadline_outside_the_answer_window_is_400(api_client, program, deadline):
    if isinstance(deadline, datetime.timedelta):  # from when the test runs, not when it was collected
        deadline = (timezone.now() + deadline).isoformat()
    application = application_at(Stage.INTERVIEWED, program=program)
    error = error_of(_offer(api_client, application, deadline), 400)
    assert error["code"] == "invalid"
    [message] = error["fields"]["offer_deadline"]
    assert "at least one day from now, and at most the programme's 7 days to answer" in message
    application.refresh_from_db()
    assert application.stage == Stage.INTERVIEWED
    assert sum(track.seats_reserved for track in program.tracks.all()) == 0


def test_the_message_names_the_range_in_indonesian(api_client, program):
    application = application_at(Stage.INTERVIEWED, program=program)
    error = error_of(_offer(api_client, application, "9999-12-31T23:59:00+07:00", "id"), 400)
    last_day = timezone.localdate() + datetime.timedelta(days=7)
    assert str(last_day.year) in error["message"]
    assert "7 hari" in error["message"]


@pytest.mark.parametrize(
    "delta",
    [datetime.timedelta(days=1, minutes=1), datetime.timedelta(days=3), datetime.timedelta(days=7)],
    ids=["one-day", "three-days", "seven-days"],
)
def test_a_deadline_inside_the_window_is_kept(api_client, program, delta):
    application = application_at(Stage.INTERVIEWED, program=program)
    deadline = (timezone.now() + delta).replace(microsecond=0)
    response = _offer(api_client, application, deadline.isoformat())
    assert response.status_code == 200, response.content
    assert Application.objects.get(pk=application.pk).offer_expires_at == deadline


def test_the_window_follows_the_programme(api_client, program):
    program.offer_response_days = 30
    program.save()
    application = application_at(Stage.INTERVIEWED, program=program)
    deadline = (timezone.now() + datetime.timedelta(days=25)).replace(microsecond=0)
    assert _offer(api_client, application, deadline.isoformat()).status_code == 200
