"""What a candidate sees and does on "My applications" (/me/) once selection has started.

The interview invitation, the offer with its deadline, answering it (and the seat
that then moves or goes to the waiting list), and the timeline with reasons. English
pages (/en/…) are asserted in English; Indonesian only where the catalogue already
held the string.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.formats import date_format

from candidates import services
from candidates.models import Application, Stage
from programs.models import PlacementTrack
from tests.candidates.factories import application_at


def en(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


def indonesian(name: str, *args) -> str:
    # Explicit: a request to an /en/ page leaves English active in the test's thread.
    with translation.override("id"):
        return reverse(name, args=args)


def english_date(value: datetime.datetime, fmt: str) -> str:
    """``value`` in WIB, formatted as an English page shows it (a named format or a pattern)."""
    with translation.override("en"):
        local = timezone.localtime(value)
        if fmt.isupper():
            return date_format(local, fmt)
        return dateformat.format(local, fmt)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def candidate_client(client, application: Application):
    client.force_login(application.candidate.user)
    return client


def seats(track: PlacementTrack) -> tuple[int, int]:
    track.refresh_from_db()
    return track.seats_reserved, track.seats_taken


def stage_of(application: Application) -> str:
    application.refresh_from_db()
    return application.stage


# --- The interview -----------------------------------------------------------------


def test_candidate_sees_interview_time_in_wib_place_and_interviewer_after_staff_schedules_it(
    client, program, staff
):
    application = application_at(Stage.SHORTLISTED, program=program)
    starts_at = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=9), datetime.time(9, 30))
    )
    services.application_move(
        application=application,
        to_stage=Stage.INTERVIEW_SCHEDULED,
        actor=staff,
        interview=services.InterviewSlot(
            starts_at=starts_at, place="BLK Cevest, Bekasi", interviewer="Bapak Agus Salim"
        ),
    )

    page = candidate_client(client, application).get(en("candidates:home"))

    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="interview-{application.pk}"' in html
    assert "Your interview" in html
    assert f"{english_date(starts_at, 'l, j F Y, H:i')} WIB" in html
    assert "09:30 WIB" in html
    assert "BLK Cevest, Bekasi" in html
    assert "Bapak Agus Salim" in html


# --- The offer ---------------------------------------------------------------------


def test_offered_candidate_sees_track_and_deadline_and_accepting_moves_the_seat_from_reserved_to_taken(
    client, program, tracks
):
    track = tracks[1]
    application = application_at(Stage.OFFERED, program=program, track=track)
    assert seats(track) == (1, 0)
    client = candidate_client(client, application)

    html = client.get(en("candidates:home")).content.decode()
    assert f'id="offer-{application.pk}"' in html
    assert "You are offered a seat: Indonesia — proyek Rusia." in html
    assert f"Answer before {english_date(application.offer_expires_at, 'DATETIME_FORMAT')} WIB" in html
    assert 'name="decision" value="accept"' in html
    assert 'name="decision" value="decline"' in html

    response = client.post(en("candidates:offer_answer", application.pk), {"decision": "accept"}, follow=True)

    assert response.redirect_chain == [(en("candidates:home"), 302)]
    assert "You accepted the seat. The ministry will contact you about training." in messages_of(response)
    assert stage_of(application) == Stage.ACCEPTED
    assert application.track == track
    assert seats(track) == (0, 1)
    assert seats(tracks[0]) == (0, 0)
    event = application.events.order_by("-id").first()
    assert (event.from_stage, event.to_stage, event.actor) == (
        Stage.OFFERED,
        Stage.ACCEPTED,
        application.candidate.user,
    )
    assert "You accepted a seat: Indonesia — proyek Rusia." in response.content.decode()


def test_declining_frees_the_seat_and_offers_it_to_the_best_scored_candidate_waitlisted_for_that_track(
    client, program, tracks
):
    from notifications.models import Notification, NotificationKind

    track, other_track = tracks
    offered = application_at(Stage.OFFERED, program=program, track=track)
    best = application_at(Stage.WAITLISTED, program=program, track=track, score_total=Decimal("81.50"))
    lower = application_at(Stage.WAITLISTED, program=program, track=track, score_total=Decimal("64.00"))
    unscored = application_at(Stage.WAITLISTED, program=program, track=track)
    # Better scored, but waiting for the other track: the freed seat is not theirs.
    elsewhere = application_at(
        Stage.WAITLISTED, program=program, track=other_track, score_total=Decimal("95.00")
    )

    response = candidate_client(client, offered).post(
        en("candidates:offer_answer", offered.pk), {"decision": "decline"}, follow=True
    )

    assert "You declined the offer. The seat goes to the next candidate." in messages_of(response)
    assert stage_of(offered) == Stage.DECLINED
    assert stage_of(best) == Stage.OFFERED
    assert best.track == track
    assert best.offer_expires_at > timezone.now()
    assert stage_of(lower) == Stage.WAITLISTED
    assert stage_of(unscored) == Stage.WAITLISTED
    assert stage_of(elsewhere) == Stage.WAITLISTED
    # The declined seat was freed and reserved again, for the promoted candidate.
    assert seats(track) == (1, 0)
    assert seats(other_track) == (0, 0)
    promotion = best.events.get()
    assert (promotion.from_stage, promotion.to_stage, promotion.actor) == (
        Stage.WAITLISTED,
        Stage.OFFERED,
        None,
    )
    assert promotion.data["from_waitlist"] is True
    assert promotion.data["track"] == track.pk
    notice = Notification.objects.get(recipient=best.candidate.user)
    assert notice.kind == NotificationKind.SEAT_OFFERED
    assert notice.context["from_waitlist"] is True
    assert not Notification.objects.filter(recipient=offered.candidate.user).exists()


def test_accepting_after_the_deadline_is_refused_with_a_message_and_the_stage_stays(client, program, tracks):
    application = application_at(Stage.OFFERED, program=program, track=tracks[0])
    deadline = timezone.now() - datetime.timedelta(hours=2)
    Application.objects.filter(pk=application.pk).update(offer_expires_at=deadline)

    response = candidate_client(client, application).post(
        en("candidates:offer_answer", application.pk), {"decision": "accept"}, follow=True
    )

    assert response.status_code == 200
    shown = messages_of(response)
    assert (
        f"The offer expired on {english_date(deadline, 'DATETIME_FORMAT')} and can no longer be accepted."
        in shown
    )
    assert stage_of(application) == Stage.OFFERED
    assert seats(tracks[0]) == (1, 0)
    assert not application.events.exists()


# --- Someone else's application, a malformed answer ----------------------------------


def test_candidate_cannot_answer_or_withdraw_another_candidates_application(client, program, tracks):
    mine = application_at(Stage.SHORTLISTED, program=program)
    theirs = application_at(Stage.OFFERED, program=program, track=tracks[0])
    client = candidate_client(client, mine)

    for decision in ("accept", "decline"):
        answer = client.post(en("candidates:offer_answer", theirs.pk), {"decision": decision})
        assert answer.status_code == 404
    withdraw = client.post(en("candidates:withdraw", theirs.pk), {"reason": "Bukan milik saya"})
    assert withdraw.status_code == 404
    missing = client.post(en("candidates:offer_answer", 999_999), {"decision": "accept"})
    assert missing.status_code == 404

    assert stage_of(theirs) == Stage.OFFERED
    assert not theirs.events.exists()
    assert seats(tracks[0]) == (1, 0)
    assert f"application-{theirs.pk}" not in client.get(en("candidates:home")).content.decode()


@pytest.mark.parametrize(
    "payload", [{"decision": "maybe"}, {"decision": ""}, {}], ids=["other", "empty", "none"]
)
def test_an_invalid_offer_decision_gives_a_message_not_an_error(client, program, tracks, payload):
    application = application_at(Stage.OFFERED, program=program, track=tracks[0])

    response = candidate_client(client, application).post(
        en("candidates:offer_answer", application.pk), payload, follow=True
    )

    assert response.status_code == 200
    assert response.redirect_chain == [(en("candidates:home"), 302)]
    assert messages_of(response) == ["Choose whether you accept or decline the offer."]
    assert stage_of(application) == Stage.OFFERED
    assert seats(tracks[0]) == (1, 0)


# --- The timeline --------------------------------------------------------------------


def test_timeline_shows_each_stage_with_its_date_and_the_reason_staff_gave_for_a_rejection(
    client, program, staff
):
    application = application_at(Stage.SCREENING, program=program)
    reason = "Nilai rata-rata ijazah di bawah 75 setelah verifikasi."
    services.application_move(application=application, to_stage=Stage.REJECTED, actor=staff, reason=reason)
    event = application.events.get()
    client = candidate_client(client, application)

    english = client.get(en("candidates:home")).content.decode()
    timeline = english[english.index('class="stage-timeline"') :]
    assert english_date(event.created_at, "DATETIME_FORMAT") in timeline
    assert "Rejected" in timeline
    assert f"Reason: {reason}" in timeline
    # "Alasan" was in the Indonesian catalogue before selection was built.
    page = client.get(indonesian("candidates:home")).content.decode()
    assert '<html lang="id">' in page
    assert f"Alasan: {reason}" in page


def test_after_offers_expire_the_timeline_explains_the_expiry_and_the_stage_is_declined(
    client, program, tracks
):
    application = application_at(Stage.OFFERED, program=program, track=tracks[0])
    Application.objects.filter(pk=application.pk).update(
        offer_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    assert services.offers_expire() == 1

    assert stage_of(application) == Stage.DECLINED
    assert seats(tracks[0]) == (0, 0)
    event = application.events.get()
    assert (event.to_stage, event.actor, event.data.get("expired")) == (Stage.DECLINED, None, True)
    html = candidate_client(client, application).get(en("candidates:home")).content.decode()
    timeline = html[html.index('class="stage-timeline"') :]
    assert "Declined" in timeline
    assert "The deadline to answer the offer passed without an answer." in timeline
    assert f'id="offer-{application.pk}"' not in html
    # Nothing left to expire: running again changes nothing.
    assert services.offers_expire() == 0
