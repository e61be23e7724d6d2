"""Three days before recruitment closes, candidates with documents still missing are reminded once."""

from __future__ import annotations

import datetime

import pytest
from celery.schedules import crontab
from django.core import mail
from django.utils import timezone

from candidates import services, tasks
from candidates.models import Document, DocumentStatus, Stage
from notifications.models import Channel, DeliveryStatus, Notification, NotificationKind
from notifications.services import notification_render
from programs.models import DocumentKind, ProgramStatus
from tests.candidates.factories import CandidateFactory, application_at
from tests.programs.factories import ProgramFactory

TODAY = datetime.date(2026, 7, 28)  # RUSAL's recruitment closes on 31 July (WIB)
CLOSES = TODAY + datetime.timedelta(days=3)


def _program(closes: datetime.date = CLOSES, **fields):
    values = {
        "title": "SMK Go Global 2026 — RUSAL, Rusia",
        "title_en": "SMK Go Global 2026 — RUSAL, Russia",
        "status": ProgramStatus.PUBLISHED,
        "recruitment_opens": datetime.date(2026, 5, 1),
        "recruitment_closes": closes,
        "target_departure": datetime.date(2026, 9, 15),
        "required_document_kinds": [DocumentKind.DIPLOMA, DocumentKind.PASSPORT, DocumentKind.PHOTO],
        **fields,
    }
    return ProgramFactory(**values)


def _applied(program, stage=Stage.SUBMITTED, *, missing=(), rejected=(), language="id", active=True):
    """An application whose required documents are all uploaded except ``missing``; ``rejected`` ones are."""
    candidate = CandidateFactory(user__language=language, user__is_active=active)
    application = application_at(stage, program=program, candidate=candidate)
    Document.objects.filter(candidate=candidate, kind__in=missing).delete()
    Document.objects.filter(candidate=candidate, kind__in=rejected).update(
        status=DocumentStatus.REJECTED, rejection_reason="Buram"
    )
    # A document waiting for verification counts as uploaded.
    Document.objects.filter(candidate=candidate, kind=DocumentKind.DIPLOMA).exclude(
        status=DocumentStatus.REJECTED
    ).update(status=DocumentStatus.PENDING)
    return application


def _reminded() -> dict[int, list[str]]:
    return {
        notice.context["application_id"]: notice.context["missing_documents"]
        for notice in Notification.objects.filter(kind=NotificationKind.RECRUITMENT_CLOSING)
    }


@pytest.fixture
def program(db):
    return _program()


def test_unfinished_applications_are_reminded_and_no_one_else(program):
    missing_photo = _applied(program, missing=[DocumentKind.PHOTO])
    rejected_diploma = _applied(program, Stage.SCREENING, rejected=[DocumentKind.DIPLOMA])
    both = _applied(program, missing=[DocumentKind.PASSPORT], rejected=[DocumentKind.PHOTO])
    complete = _applied(program)  # every document uploaded (one still waiting for verification)
    for stage in (Stage.DOCUMENTS_VERIFIED, Stage.SHORTLISTED, Stage.INELIGIBLE, Stage.WITHDRAWN):
        _applied(program, stage, missing=[DocumentKind.PHOTO])
    _applied(program, missing=[DocumentKind.PHOTO], active=False)
    later = _applied(_program(CLOSES + datetime.timedelta(days=1)), missing=[DocumentKind.PHOTO])
    closed = _applied(_program(TODAY - datetime.timedelta(days=1)), missing=[DocumentKind.PHOTO])
    unpublished = _applied(_program(status=ProgramStatus.RECRUITMENT_CLOSED), missing=[DocumentKind.PHOTO])
    nothing_required = _applied(_program(required_document_kinds=[]))

    assert services.recruitment_closing_remind(today=TODAY) == 3

    assert _reminded() == {
        missing_photo.pk: [DocumentKind.PHOTO],
        rejected_diploma.pk: [DocumentKind.DIPLOMA],
        both.pk: [DocumentKind.PASSPORT, DocumentKind.PHOTO],
    }
    for untouched in (complete, later, closed, unpublished, nothing_required):
        assert untouched.pk not in _reminded()
    notice = Notification.objects.get(context__application_id=missing_photo.pk)
    assert notice.recipient == missing_photo.candidate.user
    assert notice.context == {
        "application_id": missing_photo.pk,
        "program_id": program.pk,
        "closes_on": "2026-07-31",
        "missing_documents": [DocumentKind.PHOTO],
    }


def test_each_application_is_reminded_once(program):
    _applied(program, missing=[DocumentKind.PHOTO])
    assert services.recruitment_closing_remind(today=TODAY) == 1
    assert services.recruitment_closing_remind(today=TODAY) == 0
    assert services.recruitment_closing_remind(today=TODAY + datetime.timedelta(days=1)) == 0
    assert Notification.objects.filter(kind=NotificationKind.RECRUITMENT_CLOSING).count() == 1


def test_reminders_start_three_days_before_and_catch_up_a_missed_day(program):
    application = _applied(program, missing=[DocumentKind.PHOTO])
    assert services.recruitment_closing_remind(today=CLOSES - datetime.timedelta(days=4)) == 0
    # The job did not run three days before: two days before, it still reminds.
    assert services.recruitment_closing_remind(today=CLOSES - datetime.timedelta(days=2)) == 1
    assert list(_reminded()) == [application.pk]


def test_a_programme_closing_later_is_reminded_again(program):
    """Staff extended recruitment: the new closing date gets its own reminder."""
    _applied(program, missing=[DocumentKind.PHOTO])
    assert services.recruitment_closing_remind(today=TODAY) == 1
    program.recruitment_closes = CLOSES + datetime.timedelta(days=7)
    program.save()
    assert services.recruitment_closing_remind(today=TODAY + datetime.timedelta(days=7)) == 1
    closes = sorted(
        Notification.objects.filter(kind=NotificationKind.RECRUITMENT_CLOSING).values_list(
            "context__closes_on", flat=True
        )
    )
    assert closes == ["2026-07-31", "2026-08-07"]


def test_the_reminder_names_the_missing_documents_and_links_to_the_documents_page(
    program, django_capture_on_commit_callbacks, text_outbox, settings
):
    settings.SITE_URL = "https://p2mi.example.go.id"
    application = _applied(
        program, missing=[DocumentKind.PASSPORT], rejected=[DocumentKind.PHOTO], language="en"
    )
    user = application.candidate.user
    user.phone = "+6281234567890"
    user.save()

    with django_capture_on_commit_callbacks(execute=True):
        services.recruitment_closing_remind(today=TODAY)

    notice = Notification.objects.get(kind=NotificationKind.RECRUITMENT_CLOSING)
    assert dict(notice.deliveries.values_list("channel", "status")) == {
        Channel.EMAIL: DeliveryStatus.SENT,
        Channel.WHATSAPP: DeliveryStatus.SENT,
    }
    (email,) = mail.outbox
    assert email.subject == "Documents still missing: SMK Go Global 2026 — RUSAL, Russia"
    assert (
        "Recruitment for SMK Go Global 2026 — RUSAL, Russia closes on Friday, 31 July 2026 (WIB)."
        in email.body
    )
    assert "- Passport\n- Photo\n" in email.body
    assert "Diploma" not in email.body
    assert "https://p2mi.example.go.id/en/me/documents/" in email.body
    (text,) = text_outbox
    assert text["text"] == (
        "KP2MI: Recruitment for SMK Go Global 2026 — RUSAL, Russia closes on 31 July 2026. "
        "Still missing from your application: Passport, Photo.\n"
        "https://p2mi.example.go.id/en/me/documents/"
    )
    # The inbox shows it in the page's language, like every notification.
    subject, _body = notification_render(notice, language="id")
    assert "SMK Go Global 2026 — RUSAL, Rusia" in subject


def test_the_reminder_runs_daily_on_the_beat_schedule(settings, program):
    from p2mi_portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["remind-recruitment-closing"]
    assert entry["task"] == "candidates.tasks.recruitment_closing_remind"
    assert entry["task"] in app.tasks
    assert isinstance(entry["schedule"], crontab)
    assert entry["schedule"].hour == {8} and entry["schedule"].minute == {0}
    assert entry["schedule"].day_of_week == set(range(7))
    # The task reminds by today's date in WIB.
    today = timezone.localdate()
    closing_tomorrow = _program(
        recruitment_opens=today - datetime.timedelta(days=30),
        recruitment_closes=today + datetime.timedelta(days=1),
        target_departure=today + datetime.timedelta(days=90),
    )
    _applied(closing_tomorrow, missing=[DocumentKind.PHOTO])
    assert tasks.recruitment_closing_remind.delay().get() == 1
