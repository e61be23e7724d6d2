"""What the worker is told: training results, open checklist items (weekly), passports that end
before the contract (once), and how each message reads in Indonesian and in English."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation
from django.utils.dateformat import format as date_pattern

from candidates.services import candidate_profile_update
from notifications.models import Notification, NotificationKind
from notifications.services import notification_render
from placements import services, tasks
from placements.models import AssessmentKind, ChecklistItemKind, Placement

from .conftest import (
    accept,
    complete_training,
    confirm_all,
    contract_ended,
    make_passable,
    move,
    phases_of,
    place,
    start,
)


def kinds(kind: str):
    return Notification.objects.filter(kind=kind).order_by("id")


def long_date(value: datetime.date, language: str) -> str:
    """A date as the notification templates write it (``j F Y``), in ``language``."""
    with translation.override(language):
        return date_pattern(value, "j F Y")


def label(choice, language: str) -> str:
    with translation.override(language):
        return str(choice.label)


# --- The weekly reminder of open checklist items -------------------------------------------------


@pytest.fixture
def preparing(placement, staff):
    """A worker preparing to depart with the visa and the health check still open."""
    for kind in ("passport", "orientation", "social_insurance", "signed_contract"):
        services.checklist_confirm(item=placement.checklist.get(item=kind), actor=staff)
    return move(placement, "pre_departure", staff, days_ago=80)


def test_a_reminder_goes_at_most_once_a_week(preparing):
    assert kinds(NotificationKind.CHECKLIST_OPEN).count() == 1  # sent on entering pre-departure
    assert services.checklists_remind() == 0
    assert services.checklists_remind(now=timezone.now() + datetime.timedelta(days=6)) == 0
    assert services.checklists_remind(now=timezone.now() + datetime.timedelta(days=7, minutes=1)) == 1
    reminders = list(kinds(NotificationKind.CHECKLIST_OPEN))
    assert len(reminders) == 2
    assert reminders[-1].context["open_items"] == ["visa", "health_check"]
    assert reminders[-1].context["placement_id"] == preparing.pk
    # The new reminder counts from when it was written.
    assert services.checklists_remind() == 0


def test_a_reminder_lists_only_what_is_still_open(preparing, staff):
    services.checklist_confirm(item=preparing.checklist.get(item="visa"), actor=staff)
    assert services.checklists_remind(now=timezone.now() + datetime.timedelta(days=8)) == 1
    assert kinds(NotificationKind.CHECKLIST_OPEN).last().context["open_items"] == ["health_check"]


def test_no_reminder_once_the_checklist_is_complete(preparing, staff):
    confirm_all(preparing, staff)
    assert services.checklists_remind(now=timezone.now() + datetime.timedelta(days=30)) == 0
    assert services.checklist_remind(placement=preparing) is False


@pytest.mark.parametrize("status", ["planned", "departed", "working", "terminated"])
def test_only_workers_preparing_to_depart_are_reminded(placement, status):
    # Every item is open; only the status decides.
    Placement.objects.filter(pk=placement.pk).update(status=status, status_reason="x")
    assert services.checklists_remind(now=timezone.now() + datetime.timedelta(days=30)) == 0
    assert not kinds(NotificationKind.CHECKLIST_OPEN).exists()


def test_each_placement_is_reminded_on_its_own(preparing, program, staff):
    from .conftest import accept, complete_training

    other = place(complete_training(accept(program), staff), staff)
    move(other, "pre_departure", staff, days_ago=80)
    assert kinds(NotificationKind.CHECKLIST_OPEN).count() == 2
    assert services.checklists_remind(now=timezone.now() + datetime.timedelta(days=8)) == 2
    recipients = {n.recipient_id for n in kinds(NotificationKind.CHECKLIST_OPEN)}
    assert len(recipients) == 2


def test_the_scheduled_task_runs_the_reminder(preparing):
    assert tasks.checklists_remind.delay().get() == 0


# --- Passports that end before the contract ------------------------------------------------------


def set_passport(placement, expiry):
    candidate = placement.application.candidate
    candidate.passport_expiry = expiry
    candidate.save(update_fields=["passport_expiry"])


def test_a_passport_that_ends_before_the_contract_is_flagged_once(placement):
    set_passport(placement, placement.contract_ends - datetime.timedelta(days=1))
    moment = timezone.now()
    assert services.passports_flag(now=moment) == 1
    placement.refresh_from_db()
    assert placement.passport_flagged_at == moment
    notification = kinds(NotificationKind.PASSPORT_EXPIRING).get()
    assert notification.recipient == placement.application.candidate.user
    assert notification.context == {
        "application_id": placement.application_id,
        "program_id": placement.application.program_id,
        "placement_id": placement.pk,
        "passport_expiry": (placement.contract_ends - datetime.timedelta(days=1)).isoformat(),
        "contract_ends": placement.contract_ends.isoformat(),
    }
    assert services.passports_flag() == 0
    assert services.passports_flag(now=moment + datetime.timedelta(days=60)) == 0
    placement.refresh_from_db()
    assert placement.passport_flagged_at == moment
    assert kinds(NotificationKind.PASSPORT_EXPIRING).count() == 1


def test_a_missing_passport_expiry_is_flagged(placement):
    set_passport(placement, None)
    assert services.passports_flag() == 1
    assert kinds(NotificationKind.PASSPORT_EXPIRING).get().context["passport_expiry"] == ""


def test_a_passport_that_outlasts_the_contract_is_not_flagged(placement):
    set_passport(placement, placement.contract_ends)
    assert services.passports_flag() == 0
    placement.refresh_from_db()
    assert placement.passport_flagged_at is None
    assert not kinds(NotificationKind.PASSPORT_EXPIRING).exists()


def test_a_renewed_passport_lifts_the_flag_when_the_worker_saves_the_profile(placement, other_flagged):
    set_passport(placement, placement.contract_ends - datetime.timedelta(days=1))
    assert services.passports_flag() == 2
    candidate = placement.application.candidate
    candidate_profile_update(
        candidate=candidate,
        data={"passport_number": "C1234567", "passport_expiry": placement.contract_ends},
    )
    placement.refresh_from_db()
    other_flagged.refresh_from_db()
    assert placement.passport_flagged_at is None
    assert other_flagged.passport_flagged_at is not None  # someone else's passport is still short
    assert services.passports_flag() == 0


def test_the_daily_run_lifts_the_flag_of_a_renewed_passport_and_flags_a_later_expiry_again(placement):
    set_passport(placement, placement.contract_ends - datetime.timedelta(days=1))
    assert services.passports_flag() == 1
    set_passport(placement, placement.contract_ends + datetime.timedelta(days=400))
    assert services.passports_flag() == 0
    placement.refresh_from_db()
    assert placement.passport_flagged_at is None
    # The worker later records a shorter passport (a mistake corrected): flagged and told again.
    set_passport(placement, placement.contract_ends - datetime.timedelta(days=30))
    assert services.passports_flag() == 1
    assert kinds(NotificationKind.PASSPORT_EXPIRING).count() == 2


@pytest.fixture
def other_flagged(program, staff):
    other = place(complete_training(accept(program), staff), staff)
    set_passport(other, None)
    return other


@pytest.mark.parametrize("final", ["completed", "terminated", "repatriated"])
def test_an_ended_placement_is_not_flagged(working, staff, final):
    if final == "completed":
        contract_ended(working, days_ago=0)
    move(working, final, staff, days_ago=0, reason="Selesai lebih awal" if final != "completed" else "")
    # Expired yesterday: before the end of any of these contracts.
    set_passport(working, timezone.localdate() - datetime.timedelta(days=1))
    assert services.passports_flag() == 0
    assert Placement.objects.get(pk=working.pk).passport_flagged_at is None


def test_every_running_placement_is_looked_at(working, program, staff):
    from .conftest import accept, complete_training

    other = place(complete_training(accept(program), staff), staff)
    set_passport(working, working.contract_ends - datetime.timedelta(days=400))
    set_passport(other, other.contract_ends - datetime.timedelta(days=1))
    assert services.passports_flag() == 2
    assert Placement.objects.filter(passport_flagged_at__isnull=False).count() == 2


def test_the_scheduled_task_flags_passports(placement):
    set_passport(placement, placement.contract_ends - datetime.timedelta(days=1))
    assert tasks.passports_flag.delay().get() == 1


# --- How the messages read -------------------------------------------------------------------


def rendered(notification) -> dict[str, tuple[str, str]]:
    return {language: notification_render(notification, language=language) for language in ("id", "en")}


def test_an_assessment_result_reads_in_each_language(worker, staff):
    language_phase, _technical = phases_of(worker)
    start(language_phase, staff)
    services.assessment_record(
        enrolment=language_phase,
        actor=staff,
        taken_on=timezone.localdate(),
        kind=AssessmentKind.FINAL,
        score="78.5",
        pass_mark=60,
    )
    text = rendered(kinds(NotificationKind.TRAINING_RESULT).get())
    name = worker.candidate.user.full_name
    for language, title, other_title in (
        ("id", "Bahasa Rusia", "Russian language"),
        ("en", "Russian language", "Bahasa Rusia"),
    ):
        subject, body = text[language]
        assert title in subject, language
        assert other_title not in subject + body, language
        assert f"“{title}”" in body
        assert name in body
        assert "78.5" in body and "100" in body
        assert label(AssessmentKind.FINAL, language) in body
        assert "KP2MI" in body
    assert text["id"] != text["en"]
    # The Indonesian text is the catalogue's, not the English source.
    assert "Hello" not in text["id"][1] and "Hello" in text["en"][1]


def test_a_failed_assessment_says_so(worker, staff):
    language_phase, _technical = phases_of(worker)
    start(language_phase, staff)
    services.assessment_record(
        enrolment=language_phase,
        actor=staff,
        taken_on=timezone.localdate(),
        kind="test",
        score=40,
        pass_mark=60,
    )
    _subject, body = notification_render(kinds(NotificationKind.TRAINING_RESULT).get(), language="en")
    assert "40 of 100" in body
    assert "You did not reach the pass mark this time." in body
    assert "You passed this assessment." not in body


def test_a_passed_phase_reads_with_the_next_phase_and_its_start(worker, staff):
    language_phase, technical = phases_of(worker)
    start(language_phase, staff)
    services.enrolment_choose_field(enrolment=technical, field="machinery", actor=staff)
    make_passable(language_phase, staff)
    services.enrolment_pass(enrolment=language_phase, actor=staff)
    passed = kinds(NotificationKind.TRAINING_RESULT).filter(context__phase_passed=True).get()
    text = rendered(passed)
    today = timezone.localdate()
    for language, title, next_title in (
        ("id", "Bahasa Rusia", "Pelatihan teknik"),
        ("en", "Russian language", "Technical training"),
    ):
        subject, body = text[language]
        assert title in subject
        assert f"“{title}”" in body and f"“{next_title}”" in body, language
        assert long_date(today, language) in body, language
    en_subject, en_body = text["en"]
    assert en_subject == "You passed Russian language"
    assert "Congratulations: you have passed the training phase “Russian language”." in en_body
    assert f"The next phase, “Technical training”, starts on {long_date(today, 'en')}." in en_body


def test_the_last_passed_phase_reads_as_the_end_of_training(trained):
    last = kinds(NotificationKind.TRAINING_RESULT).filter(context__phase_passed=True).last()
    _subject, body = notification_render(last, language="en")
    assert "“Technical training”" in body
    assert "You have completed your training." in body
    assert "The next phase" not in body


def test_open_checklist_items_read_with_their_labels(preparing):
    notification = kinds(NotificationKind.CHECKLIST_OPEN).get()
    text = rendered(notification)
    program = preparing.application.program
    for language in ("id", "en"):
        subject, body = text[language]
        assert subject
        assert f"- {label(ChecklistItemKind.VISA, language)}\n" in body, language
        assert f"- {label(ChecklistItemKind.HEALTH_CHECK, language)}\n" in body, language
        assert label(ChecklistItemKind.PASSPORT, language) not in body, language
        assert program.title in body
    assert text["en"][0] == "Before you depart: items still open"


def test_a_flagged_passport_reads_with_both_dates(placement):
    # Dates whose month names differ between the languages.
    Placement.objects.filter(pk=placement.pk).update(
        contract_starts=datetime.date(2027, 8, 1), contract_ends=datetime.date(2032, 8, 1)
    )
    set_passport(placement, datetime.date(2030, 10, 15))
    services.passports_flag()
    text = rendered(kinds(NotificationKind.PASSPORT_EXPIRING).get())
    assert "15 Oktober 2030" in text["id"][1]
    assert "1 Agustus 2032" in text["id"][1]
    assert "15 October 2030" in text["en"][1]
    assert "1 August 2032" in text["en"][1]
    assert text["en"][0] == "Renew your passport before your contract ends"
    assert (
        "Your passport expires on 15 October 2030, but your work contract runs until 1 August 2032."
        in text["en"][1]
    )


def test_a_missing_passport_expiry_reads_as_missing(placement):
    set_passport(placement, None)
    services.passports_flag()
    text = rendered(kinds(NotificationKind.PASSPORT_EXPIRING).get())
    assert "Your profile lacks your passport number or its expiry date" in text["en"][1]
    assert long_date(placement.contract_ends, "en") in text["en"][1]
    assert long_date(placement.contract_ends, "id") in text["id"][1]


def _notification_of(kind, placement, staff):
    """A notification of ``kind`` about the placed worker (an assessment result for training)."""
    if kind == "checklist_open":
        move(placement, "pre_departure", staff, days_ago=80)
    elif kind == "passport_expiring":
        set_passport(placement, None)
        services.passports_flag()
    notifications = kinds(kind)
    if kind == "training_result":
        notifications = notifications.exclude(context__has_key="phase_passed")
    return notifications.last()


@pytest.mark.parametrize("kind", ["training_result", "checklist_open", "passport_expiring"])
def test_the_new_kinds_are_delivered_by_e_mail(kind, placement, staff, mailoutbox):
    """Each new kind goes out in the recipient's language, rendered without an error."""
    from notifications.models import Channel, DeliveryStatus
    from notifications.services import delivery_deliver

    notification = _notification_of(kind, placement, staff)
    email = notification.deliveries.get(channel=Channel.EMAIL)
    assert delivery_deliver(delivery_id=email.pk) is True
    email.refresh_from_db()
    assert (email.status, email.last_error) == (DeliveryStatus.SENT, "")
    subject, body = notification_render(notification)
    assert [(m.subject, m.body, m.to) for m in mailoutbox] == [
        (subject, body, [placement.application.candidate.user.email])
    ]


def test_a_passed_final_phase_is_delivered(trained, mailoutbox):
    from notifications.models import Channel, DeliveryStatus
    from notifications.services import delivery_deliver

    last = kinds(NotificationKind.TRAINING_RESULT).filter(context__phase_passed=True).last()
    email = last.deliveries.get(channel=Channel.EMAIL)
    # The context holds next_starts_on="" (no next phase): it must render, not fail.
    assert last.context["next_starts_on"] == ""
    assert delivery_deliver(delivery_id=email.pk) is True
    email.refresh_from_db()
    assert email.status == DeliveryStatus.SENT, email.last_error
    assert "“Pelatihan teknik”" in mailoutbox[0].body  # the recipient reads Indonesian
    assert mailoutbox[0].body == notification_render(last)[1]


def test_short_texts_carry_the_facts(worker, staff, placement):
    from notifications.services import notification_render_short

    result = _notification_of("training_result", placement, staff)
    assert notification_render_short(result, language="en") == (
        "KP2MI: A result was recorded for “Technical training”: Final assessment, 80 of 100.\n"
        "http://localhost:8000/en/me/"
    )
    indonesian = notification_render_short(result, language="id")
    assert indonesian.startswith("KP2MI: ")
    assert "“Pelatihan teknik”" in indonesian and "80" in indonesian and "100" in indonesian
    assert label(AssessmentKind.FINAL, "id") in indonesian
    assert indonesian.endswith("\nhttp://localhost:8000/me/")
    checklist = _notification_of("checklist_open", placement, staff)
    for language in ("id", "en"):
        text = notification_render_short(checklist, language=language)
        labels = ", ".join(label(kind, language) for kind in ChecklistItemKind)
        assert labels in text, language
    passport = _notification_of("passport_expiring", placement, staff)
    assert notification_render_short(passport, language="en").startswith(
        "KP2MI: Renew your passport before your contract ends."
    )
