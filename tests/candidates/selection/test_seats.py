"""Seats: an offer reserves one, accepting takes it, anything else frees it for the waiting list."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from candidates import services
from candidates.models import Application, Stage
from p2mi_portal.errors import Conflict, DomainError
from programs.models import PlacementTrack
from tests.candidates.factories import application_at
from tests.programs.factories import ProgramFactory


def _counters(track: PlacementTrack) -> tuple[int, int]:
    track.refresh_from_db()
    return track.seats_reserved, track.seats_taken


def _offer(application, staff, **kwargs):
    return services.application_move(application=application, to_stage=Stage.OFFERED, actor=staff, **kwargs)


def test_an_offer_reserves_a_seat_until_the_deadline_it_was_given(program, tracks, staff):
    application = application_at(Stage.INTERVIEWED, program=program)
    deadline = timezone.now() + datetime.timedelta(days=5)
    _offer(application, staff, track=tracks[1], offer_deadline=deadline)
    application.refresh_from_db()
    assert application.stage == Stage.OFFERED
    assert application.track == tracks[1]
    assert application.offer_expires_at == deadline
    assert _counters(tracks[1]) == (1, 0)
    assert _counters(tracks[0]) == (0, 0)
    event = application.events.order_by("-id").first()
    assert event.data["track"] == tracks[1].pk
    assert event.data["offer_expires_at"] == deadline.isoformat()


def test_an_offer_without_a_deadline_gets_the_programmes_answer_period(program, tracks, staff):
    program.offer_response_days = 3
    program.save()
    application = application_at(Stage.INTERVIEWED, program=program)
    _offer(application, staff)
    application.refresh_from_db()
    last_day = timezone.localdate() + datetime.timedelta(days=3)
    assert timezone.localtime(application.offer_expires_at).date() == last_day
    assert timezone.localtime(application.offer_expires_at).time() == datetime.time(23, 59)
    # Without a track the preferred one is used.
    assert application.track == application.preferred_track == tracks[0]


def test_a_deadline_in_the_past_is_refused(program, staff):
    application = application_at(Stage.INTERVIEWED, program=program)
    with pytest.raises(DomainError) as refused:
        _offer(application, staff, offer_deadline=timezone.now() - datetime.timedelta(minutes=1))
    assert "offer_deadline" in refused.value.fields
    application.refresh_from_db()
    assert application.stage == Stage.INTERVIEWED


def test_a_track_of_another_programme_is_refused(program, staff):
    other = ProgramFactory()
    application = application_at(Stage.INTERVIEWED, program=program)
    with pytest.raises(DomainError) as refused:
        _offer(application, staff, track=other.tracks.get())
    assert "track" in refused.value.fields
    assert _counters(other.tracks.get()) == (0, 0)


def test_accepting_keeps_the_seat_and_withdrawing_afterwards_frees_it(program, tracks, staff):
    application = application_at(Stage.OFFERED, program=program)
    user = application.candidate.user
    services.application_answer_offer(application=application, actor=user, accept=True)
    assert _counters(tracks[0]) == (0, 1)
    services.application_withdraw(application=application, actor=user, reason="Sakit")
    assert _counters(tracks[0]) == (0, 0)


@pytest.mark.parametrize(
    ("to_stage", "who", "reason"),
    [
        (Stage.DECLINED, "candidate", ""),
        (Stage.WITHDRAWN, "candidate", ""),
        (Stage.REJECTED, "staff", "Tidak lulus tes kesehatan"),
    ],
)
def test_leaving_an_offer_frees_the_seat(to_stage, who, reason, program, tracks, staff):
    application = application_at(Stage.OFFERED, program=program)
    actor = application.candidate.user if who == "candidate" else staff
    services.application_move(application=application, to_stage=to_stage, actor=actor, reason=reason)
    assert _counters(tracks[0]) == (0, 0)


def test_a_full_track_refuses_the_offer_with_a_clear_message(program, tracks, staff):
    PlacementTrack.objects.filter(pk=tracks[0].pk).update(seats_reserved=20, seats_taken=5)
    application = application_at(Stage.INTERVIEWED, program=program)
    with translation.override("en"), pytest.raises(Conflict) as refused:
        _offer(application, staff, track=tracks[0])
    assert refused.value.code == "no_seats"
    assert str(refused.value.message) == ("No seats left on the track “Rusia”: all 25 are offered or taken.")
    with translation.override("id"), pytest.raises(Conflict) as refused:
        _offer(application, staff, track=tracks[0])
    assert "Rusia" in str(refused.value.message)
    assert "No seats" not in str(refused.value.message)
    application.refresh_from_db()
    assert application.stage == Stage.INTERVIEWED
    assert _counters(tracks[0]) == (20, 5)
    # The other track still has room.
    _offer(application, staff, track=tracks[1])
    assert _counters(tracks[1]) == (1, 0)


def test_the_database_refuses_a_counter_above_the_seats(program, tracks):
    with pytest.raises(IntegrityError), transaction.atomic():
        PlacementTrack.objects.filter(pk=tracks[0].pk).update(seats_reserved=26)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlacementTrack.objects.filter(pk=tracks[0].pk).update(seats_reserved=13, seats_taken=13)
    assert _counters(tracks[0]) == (0, 0)


def _waitlisted(program, track, score):
    return application_at(Stage.WAITLISTED, program=program, track=track, score_total=Decimal(score))


def test_a_freed_seat_goes_to_the_best_ranked_waitlisted_candidate_of_that_track(program, tracks, staff):
    offered = application_at(Stage.OFFERED, program=program, track=tracks[0])
    second = _waitlisted(program, tracks[0], "71.50")
    best = _waitlisted(program, tracks[0], "88.00")
    other_track = _waitlisted(program, tracks[1], "99.00")
    services.application_answer_offer(application=offered, actor=offered.candidate.user, accept=False)

    best.refresh_from_db()
    assert best.stage == Stage.OFFERED
    assert best.track == tracks[0]
    assert best.offer_expires_at > timezone.now()
    event = best.events.order_by("-id").first()
    assert (event.from_stage, event.to_stage, event.actor) == (Stage.WAITLISTED, Stage.OFFERED, None)
    assert event.data["from_waitlist"] is True
    for unchanged in (second, other_track):
        unchanged.refresh_from_db()
        assert unchanged.stage == Stage.WAITLISTED
    # The seat went from one offer to the next: still one reservation.
    assert _counters(tracks[0]) == (1, 0)


def test_with_an_empty_waiting_list_the_seat_stays_free(program, tracks, staff):
    offered = application_at(Stage.OFFERED, program=program)
    services.application_move(
        application=offered, to_stage=Stage.REJECTED, actor=staff, reason="Dokumen palsu"
    )
    assert _counters(tracks[0]) == (0, 0)
    assert not Application.objects.filter(stage=Stage.OFFERED).exists()


def test_equal_scores_are_ranked_by_who_applied_first(program, tracks, staff):
    offered = application_at(Stage.OFFERED, program=program)
    later = _waitlisted(program, tracks[0], "80")
    earlier = _waitlisted(program, tracks[0], "80")
    Application.objects.filter(pk=earlier.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=9))
    services.application_answer_offer(application=offered, actor=offered.candidate.user, accept=False)
    earlier.refresh_from_db()
    later.refresh_from_db()
    assert (earlier.stage, later.stage) == (Stage.OFFERED, Stage.WAITLISTED)


def test_an_expired_offer_is_declined_by_the_system_and_the_seat_reoffered(program, tracks):
    overdue = application_at(Stage.OFFERED, program=program)
    current = application_at(Stage.OFFERED, program=program)
    waiting = _waitlisted(program, tracks[0], "75")
    Application.objects.filter(pk=overdue.pk).update(
        offer_expires_at=timezone.now() - datetime.timedelta(hours=1)
    )

    assert services.offers_expire() == 1

    overdue.refresh_from_db()
    current.refresh_from_db()
    waiting.refresh_from_db()
    assert overdue.stage == Stage.DECLINED
    event = overdue.events.order_by("-id").first()
    assert event.actor is None
    assert event.data == {"expired": True}
    assert event.reason
    assert current.stage == Stage.OFFERED
    assert waiting.stage == Stage.OFFERED
    assert _counters(tracks[0]) == (2, 0)
    # Running the job again finds nothing more to do.
    assert services.offers_expire() == 0


def test_an_offer_cannot_be_accepted_after_its_deadline(program, tracks):
    application = application_at(Stage.OFFERED, program=program)
    Application.objects.filter(pk=application.pk).update(
        offer_expires_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    with pytest.raises(Conflict) as refused:
        services.application_answer_offer(
            application=application, actor=application.candidate.user, accept=True
        )
    assert refused.value.code == "offer_expired"
    assert _counters(tracks[0]) == (1, 0)


def test_the_expiry_task_runs_the_service(program):
    from candidates.tasks import offers_expire

    overdue = application_at(Stage.OFFERED, program=program)
    Application.objects.filter(pk=overdue.pk).update(
        offer_expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    assert offers_expire.delay().get() == 1
    overdue.refresh_from_db()
    assert overdue.stage == Stage.DECLINED


def test_the_expiry_job_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["expire-overdue-offers"]
    assert entry["task"] == "candidates.tasks.offers_expire"
    from p2mi_portal.celery import app

    assert "candidates.tasks.offers_expire" in app.tasks


def test_an_offer_about_to_expire_is_reminded_once(program, tracks, django_capture_on_commit_callbacks):
    from django.core import mail

    from notifications.models import Notification, NotificationKind

    soon = application_at(Stage.OFFERED, program=program)
    later = application_at(Stage.OFFERED, program=program)
    Application.objects.filter(pk=soon.pk).update(
        offer_expires_at=timezone.now() + datetime.timedelta(hours=20)
    )
    Application.objects.filter(pk=later.pk).update(
        offer_expires_at=timezone.now() + datetime.timedelta(days=3)
    )
    soon.candidate.user.language = "en"
    soon.candidate.user.save()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.offers_remind() == 1
    assert services.offers_remind() == 0  # once per offer
    reminder = Notification.objects.get(kind=NotificationKind.OFFER_EXPIRING)
    assert reminder.recipient == soon.candidate.user
    (email,) = mail.outbox
    assert "expires soon" in email.subject
    assert "WIB" in email.body and "Rusia" in email.body

    # A new deadline (a new offer) gets its own reminder.
    Application.objects.filter(pk=soon.pk).update(
        offer_expires_at=timezone.now() + datetime.timedelta(hours=10)
    )
    assert services.offers_remind() == 1


def test_the_reminder_job_is_on_the_beat_schedule(settings):
    from p2mi_portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["remind-expiring-offers"]
    assert entry["task"] == "candidates.tasks.offers_remind"
    assert entry["task"] in app.tasks
