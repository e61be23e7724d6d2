"""Staff select candidates in the admin: the list, bulk actions, one-by-one moves, scores, shortlist.

Every change of stage goes through ``application_move``; these tests drive the admin pages
(English, under ``/en/admin/``; the last ones the default Indonesian at ``/admin/``) and check what
lands in the database and what staff are told.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib import messages as django_messages
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from candidates.admin import ApplicationAdmin
from candidates.models import Application, ApplicationEvent, Document, DocumentStatus, Interview, Score, Stage
from programs.models import PlacementTrack
from tests.candidates.factories import CandidateFactory, application_at
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")


def english(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


def indonesian(name: str, *args) -> str:
    with translation.override("id"):
        return reverse(name, args=args)


CHANGELIST = english("admin:candidates_application_changelist")
LOGIN = english("admin:login")


def move_url(application: Application) -> str:
    return english("admin:candidates_application_move", application.pk)


def scores_url(application: Application) -> str:
    return english("admin:candidates_application_scores", application.pk)


def change_url(application: Application) -> str:
    return english("admin:candidates_application_change", application.pk)


def shortlist_url(program) -> str:
    return english("admin:candidates_application_shortlist", program.pk)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def listed(response) -> set[int]:
    """The ids of the applications on a changelist page."""
    assert response.status_code == 200
    return {application.pk for application in response.context["cl"].result_list}


def sent_messages(response) -> list[tuple[int, str]]:
    return [(message.level, str(message)) for message in get_messages(response.wsgi_request)]


def errors_of(response) -> list[str]:
    return [text for level, text in sent_messages(response) if level == django_messages.ERROR]


def successes_of(response) -> list[str]:
    return [text for level, text in sent_messages(response) if level == django_messages.SUCCESS]


def result_rows(html: str) -> str:
    """The rows of the changelist's results (the header's sort links keep the search query)."""
    match = re.search(r'<table id="result_list".*?<tbody>(.*?)</tbody>', html, re.DOTALL)
    assert match, "the changelist has no result table"
    return match.group(1)


def wib_input(moment: datetime.datetime) -> str:
    """How a datetime-local input sends a WIB date and time."""
    return moment.astimezone(WIB).strftime("%Y-%m-%dT%H:%M")


def future_wib(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=WIB)


def move_data(to_stage: str, **fields) -> dict[str, str]:
    data = {
        "to_stage": to_stage,
        "reason": "",
        "track": "",
        "offer_deadline": "",
        "interview_starts_at": "",
        "interview_place": "",
        "interview_online_link": "",
        "interviewer": "",
    }
    data.update(fields)
    return data


def set_documents(application: Application, status: str, kind: str = "photo") -> None:
    reason = "Foto buram." if status == DocumentStatus.REJECTED else ""
    Document.objects.filter(candidate=application.candidate, kind=kind).update(
        status=status, rejection_reason=reason
    )


def seat_counters(track: PlacementTrack) -> tuple[int, int]:
    track.refresh_from_db()
    return track.seats_reserved, track.seats_taken


# --- The list --------------------------------------------------------------------


def test_changelist_filters_by_stage(staff_client, program):
    shortlisted = application_at(Stage.SHORTLISTED, program=program)
    application_at(Stage.DOCUMENTS_VERIFIED, program=program)
    application_at(Stage.SCREENING, program=program)

    assert listed(staff_client.get(CHANGELIST, {"stage__exact": Stage.SHORTLISTED})) == {shortlisted.pk}
    assert len(listed(staff_client.get(CHANGELIST))) == 3


def test_changelist_filters_by_province(staff_client, program):
    from_west_java = application_at(
        Stage.SCREENING, program=program, candidate=CandidateFactory(province_id="32")
    )
    application_at(Stage.SCREENING, program=program, candidate=CandidateFactory(province_id="31"))

    response = staff_client.get(CHANGELIST, {"candidate__province__code__exact": "32"})

    assert listed(response) == {from_west_java.pk}


def test_changelist_filters_by_score_band(staff_client, program):
    by_score = {}
    for total in (Decimal("85"), Decimal("80"), Decimal("70"), Decimal("59.99"), None):
        application = application_at(Stage.DOCUMENTS_VERIFIED, program=program)
        Application.objects.filter(pk=application.pk).update(score_total=total)
        by_score[total] = application.pk

    assert listed(staff_client.get(CHANGELIST, {"score": "80"})) == {
        by_score[Decimal("85")],
        by_score[Decimal("80")],
    }
    assert listed(staff_client.get(CHANGELIST, {"score": "60"})) == {by_score[Decimal("70")]}
    assert listed(staff_client.get(CHANGELIST, {"score": "0"})) == {by_score[Decimal("59.99")]}
    assert listed(staff_client.get(CHANGELIST, {"score": "none"})) == {by_score[None]}


def test_changelist_filters_by_state_of_documents(staff_client, program):
    verified = application_at(Stage.SCREENING, program=program)
    pending = application_at(Stage.SCREENING, program=program)
    set_documents(pending, DocumentStatus.PENDING)
    rejected = application_at(Stage.SCREENING, program=program)
    set_documents(rejected, DocumentStatus.REJECTED)

    assert listed(staff_client.get(CHANGELIST, {"documents": "verified"})) == {verified.pk}
    assert listed(staff_client.get(CHANGELIST, {"documents": "pending"})) == {pending.pk}
    assert listed(staff_client.get(CHANGELIST, {"documents": "rejected"})) == {rejected.pk}


def test_search_by_exact_nik_finds_the_application_and_lists_only_the_masked_nik(staff_client, program):
    wanted = application_at(
        Stage.SCREENING, program=program, candidate=CandidateFactory(nik="3171011508049876")
    )
    application_at(Stage.SCREENING, program=program, candidate=CandidateFactory(nik="3171011508041234"))

    response = staff_client.get(CHANGELIST, {"q": "3171011508049876"})

    assert listed(response) == {wanted.pk}
    html = response.content.decode()
    shown = re.sub(r"<[^>]+>", " ", result_rows(html))  # what the rows show, links left out
    assert "3171••••••••9876" in shown
    assert wanted.candidate.full_name in shown
    assert "3171011508049876" not in shown
    # The NIK is in the page only as the staff member's own query, echoed by Django: the search
    # box, and the links that keep the search (sorting, filters, ``_changelist_filters``).
    echoes = ('value="3171011508049876"', "q=3171011508049876", "q%3D3171011508049876")
    assert html.count("3171011508049876") == sum(html.count(echo) for echo in echoes)


def test_search_by_part_of_the_nik_finds_nothing(staff_client, program):
    application_at(Stage.SCREENING, program=program, candidate=CandidateFactory(nik="3171011508049876"))

    assert listed(staff_client.get(CHANGELIST, {"q": "31710115"})) == set()


def test_changelist_never_shows_a_full_nik(staff_client, program):
    application = application_at(
        Stage.SCREENING, program=program, candidate=CandidateFactory(nik="3171011508045555")
    )

    html = staff_client.get(CHANGELIST).content.decode()

    assert "3171••••••••5555" in html
    assert application.candidate.nik not in html


def test_search_by_name(staff_client, program):
    wanted = application_at(
        Stage.SCREENING, program=program, candidate=CandidateFactory(full_name="Budi Santoso")
    )
    application_at(Stage.SCREENING, program=program, candidate=CandidateFactory(full_name="Siti Aminah"))

    assert listed(staff_client.get(CHANGELIST, {"q": "santoso"})) == {wanted.pk}


# --- Advancing in bulk -------------------------------------------------------------


def advance(client, applications, url=CHANGELIST):
    """The bulk action as staff first send it: it only shows the confirmation page."""
    return client.post(
        url, {"action": "advance_selected", "index": "0", "_selected_action": [a.pk for a in applications]}
    )


def confirm(client, page, url=CHANGELIST, **extra):
    """Press the confirmation page's button: send back what the page holds."""
    assert page.status_code == 200
    assert "admin/candidates/application/bulk_confirm.html" in [t.name for t in page.templates]
    html = page.content.decode()
    data = {
        "action": re.search(r'name="action" value="([^"]+)"', html).group(1),
        "confirm": re.search(r'name="confirm" value="([^"]+)"', html).group(1),
        "_selected_action": re.findall(r'name="_selected_action" value="(\d+)"', html),
        **dict(re.findall(r'name="(stage_\d+)" value="([^"]+)"', html)),
        **extra,
    }
    return client.post(url, data)


def rows_of(page) -> dict[int, str]:
    """What the confirmation page says will happen, per application id."""
    rows = {}
    for step in page.context["steps"]:
        rows[step.application.pk] = f"→ {step.target_label}" if step.moves else f"Skipped: {step.note}"
    return rows


def test_advance_selected_changes_nothing_until_confirmed(staff_client, program):
    movable = application_at(
        Stage.DOCUMENTS_VERIFIED, program=program, candidate=CandidateFactory(full_name="Andi Movable")
    )
    submitted = application_at(Stage.SUBMITTED, program=program)

    page = advance(staff_client, [movable, submitted])

    assert page.status_code == 200
    html = page.content.decode()
    assert "Move 2 applications" in html
    assert "Cancel" in html
    assert movable.candidate.masked_nik in html
    assert movable.candidate.nik not in html
    assert rows_of(page) == {movable.pk: "→ Shortlisted", submitted.pk: "→ Screening"}
    assert set(Application.objects.values_list("stage", flat=True)) == {
        Stage.DOCUMENTS_VERIFIED,
        Stage.SUBMITTED,
    }
    assert not ApplicationEvent.objects.exists()


def test_advance_selected_moves_the_movable_and_reports_each_refusal(staff_client, program, staff):
    movable = application_at(
        Stage.DOCUMENTS_VERIFIED, program=program, candidate=CandidateFactory(full_name="Andi Movable")
    )
    no_next = application_at(
        Stage.SHORTLISTED, program=program, candidate=CandidateFactory(full_name="Budi Shortlisted")
    )
    unverified = application_at(
        Stage.SCREENING, program=program, candidate=CandidateFactory(full_name="Citra Unverified")
    )
    set_documents(unverified, DocumentStatus.PENDING, kind="photo")

    page = advance(staff_client, [movable, no_next, unverified])
    assert rows_of(page) == {
        movable.pk: "→ Shortlisted",
        no_next.pk: "Skipped: “Shortlisted” has no usual next stage; move this application on its own page.",
        unverified.pk: "Skipped: waits for documents: Photo",
    }
    assert "Move 1 application" in page.content.decode()
    response = confirm(staff_client, page)

    assert response.status_code == 302
    for application in (movable, no_next, unverified):
        application.refresh_from_db()
    assert movable.stage == Stage.SHORTLISTED
    event = ApplicationEvent.objects.get(application=movable)
    assert (event.from_stage, event.to_stage, event.actor) == (
        Stage.DOCUMENTS_VERIFIED,
        Stage.SHORTLISTED,
        staff,
    )
    assert no_next.stage == Stage.SHORTLISTED
    assert unverified.stage == Stage.SCREENING
    assert not ApplicationEvent.objects.filter(application__in=[no_next, unverified]).exists()
    assert successes_of(response) == [f"1 application moved: #{movable.pk} → Shortlisted"]
    assert errors_of(response) == []


def test_confirming_moves_exactly_what_the_page_listed(staff_client, program):
    listed_one = application_at(Stage.DOCUMENTS_VERIFIED, program=program)
    moved_meanwhile = application_at(
        Stage.DOCUMENTS_VERIFIED, program=program, candidate=CandidateFactory(full_name="Dian Berubah")
    )
    not_listed = application_at(Stage.DOCUMENTS_VERIFIED, program=program)
    page = advance(staff_client, [listed_one, moved_meanwhile])
    # Someone else moves one of them while the page is open.
    Application.objects.filter(pk=moved_meanwhile.pk).update(stage=Stage.SHORTLISTED)

    response = confirm(
        staff_client, page, _selected_action=[listed_one.pk, moved_meanwhile.pk, not_listed.pk]
    )

    stages = dict(Application.objects.values_list("pk", "stage"))
    assert stages == {
        listed_one.pk: Stage.SHORTLISTED,
        moved_meanwhile.pk: Stage.SHORTLISTED,
        not_listed.pk: Stage.DOCUMENTS_VERIFIED,
    }
    assert list(ApplicationEvent.objects.values_list("application_id", flat=True)) == [listed_one.pk]
    assert errors_of(response) == [
        f"#{moved_meanwhile.pk} Dian Berubah not moved: It moved to “Shortlisted” after the "
        "confirmation page was shown; nothing was done."
    ]


def test_advance_selected_screens_submitted_applications_for_eligibility(staff_client, program, staff):
    eligible = application_at(Stage.SUBMITTED, program=program)
    ineligible = application_at(
        Stage.SUBMITTED,
        program=program,
        candidate=CandidateFactory(graduation_year=2020, average_grade=Decimal("70")),
    )

    page = advance(staff_client, [eligible, ineligible])
    assert rows_of(page) == {eligible.pk: "→ Screening", ineligible.pk: "→ Not eligible"}
    assert "You graduated in 2020." in page.content.decode()
    response = confirm(staff_client, page)

    eligible.refresh_from_db()
    ineligible.refresh_from_db()
    assert eligible.stage == Stage.SCREENING
    assert ineligible.stage == Stage.INELIGIBLE
    events = list(ineligible.events.order_by("id"))
    assert [(e.from_stage, e.to_stage, e.actor) for e in events] == [
        (Stage.SUBMITTED, Stage.SCREENING, staff),
        (Stage.SCREENING, Stage.INELIGIBLE, staff),
    ]
    assert "You graduated in 2020." in events[-1].reason
    assert "Your average grade is 70." in events[-1].reason
    assert set(events[-1].data["unmet_rules"]) == {"graduation_year", "average_grade"}
    assert successes_of(response) == [
        f"2 applications moved: #{eligible.pk} → Screening, #{ineligible.pk} → Not eligible"
    ]
    assert errors_of(response) == []


def test_an_imported_candidate_without_documents_waits_instead_of_being_refused(staff_client, program):
    imported = application_at(Stage.SUBMITTED, program=program)
    Document.objects.filter(candidate=imported.candidate).delete()

    page = advance(staff_client, [imported])
    [step] = page.context["steps"]
    assert step.target == Stage.SCREENING
    assert step.note.startswith("waits for documents: ")
    assert "waits for documents: " in page.content.decode()
    confirm(staff_client, page)

    imported.refresh_from_db()
    assert imported.stage == Stage.SCREENING
    assert not imported.events.filter(to_stage=Stage.INELIGIBLE).exists()

    # Advanced again while the documents are still missing: it stays in screening.
    page = advance(staff_client, [imported])
    assert rows_of(page)[imported.pk].startswith("Skipped: waits for documents: ")
    assert "Move 0 applications" not in page.content.decode()
    imported.refresh_from_db()
    assert imported.stage == Stage.SCREENING


# --- Rejecting in bulk -----------------------------------------------------------


def reject(client, applications, **extra):
    data = {"action": "reject_selected", "_selected_action": [a.pk for a in applications], **extra}
    return client.post(CHANGELIST, data)


def test_reject_selected_first_shows_the_applications_and_asks_for_a_reason(staff_client, program):
    first = application_at(Stage.SCREENING, program=program, candidate=CandidateFactory(full_name="Dewi A"))
    second = application_at(Stage.SHORTLISTED, program=program, candidate=CandidateFactory(full_name="Eko B"))

    response = reject(staff_client, [first, second], index="0")

    assert response.status_code == 200
    assert "admin/candidates/application/bulk_confirm.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert f"#{first.pk} Dewi A — {program.code}" in html
    assert f"#{second.pk} Eko B — {program.code}" in html
    assert "Reject 2 applications" in html
    assert rows_of(response) == {first.pk: "→ Rejected", second.pk: "→ Rejected"}
    assert not response.context["form"].is_bound
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.stage, second.stage) == (Stage.SCREENING, Stage.SHORTLISTED)


def test_reject_selected_without_a_reason_shows_an_error_and_changes_nothing(staff_client, program):
    applications = [application_at(Stage.SCREENING, program=program) for _ in range(2)]

    response = confirm(staff_client, reject(staff_client, applications), reason="   ")

    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["This field is required."]
    assert set(Application.objects.values_list("stage", flat=True)) == {Stage.SCREENING}
    assert not ApplicationEvent.objects.exists()


def test_reject_selected_with_a_reason_rejects_each_and_skips_the_refused(staff_client, program, staff):
    screening = application_at(Stage.SCREENING, program=program)
    interviewed = application_at(Stage.INTERVIEWED, program=program)
    already = application_at(
        Stage.REJECTED, program=program, candidate=CandidateFactory(full_name="Fajar Sudah")
    )

    page = reject(staff_client, [screening, interviewed, already])
    assert rows_of(page)[already.pk] == "Skipped: This application is already at “Rejected”."
    response = confirm(staff_client, page, reason="Kuota program sudah penuh.")

    assert response.status_code == 302
    for application in (screening, interviewed):
        application.refresh_from_db()
        assert application.stage == Stage.REJECTED
        event = application.events.get()
        assert (event.to_stage, event.actor, event.reason) == (
            Stage.REJECTED,
            staff,
            "Kuota program sudah penuh.",
        )
    already.refresh_from_db()
    assert already.stage == Stage.REJECTED
    assert not already.events.exists()
    assert successes_of(response) == [
        f"2 applications moved: #{screening.pk} → Rejected, #{interviewed.pk} → Rejected"
    ]
    assert errors_of(response) == []


def test_reject_selected_names_the_stage_and_the_allowed_moves_when_the_table_forbids_it(
    staff_client, program
):
    ineligible = application_at(
        Stage.INELIGIBLE, program=program, candidate=CandidateFactory(full_name="Gita Tidak")
    )

    page = reject(staff_client, [ineligible])

    assert rows_of(page) == {
        ineligible.pk: "Skipped: This application is at “Not eligible” and cannot move to “Rejected”. "
        "Allowed: Screening."
    }
    assert "Reject 0" not in page.content.decode()
    confirm(staff_client, page, reason="Alasan")
    ineligible.refresh_from_db()
    assert ineligible.stage == Stage.INELIGIBLE


# --- Reopening ---------------------------------------------------------------------


@pytest.mark.parametrize("stage", [Stage.INELIGIBLE, Stage.REJECTED])
def test_staff_reopen_a_finished_application_with_a_reason(staff_client, program, staff, stage):
    application = application_at(stage, program=program)
    verified_at = application.documents_verified_at

    page = staff_client.get(change_url(application))
    assert "Reopen (back to screening, with a reason)" in page.content.decode()
    without_reason = staff_client.post(move_url(application), move_data(Stage.SCREENING))
    assert without_reason.status_code == 200
    assert without_reason.context["form"].errors["reason"]
    application.refresh_from_db()
    assert application.stage == stage
    assert not application.events.exists()

    response = staff_client.post(
        move_url(application), move_data(Stage.SCREENING, reason="Dokumen baru diterima.")
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.stage == Stage.SCREENING
    assert application.documents_verified_at == verified_at
    event = application.events.get()
    assert (event.from_stage, event.to_stage, event.actor, event.reason) == (
        stage,
        Stage.SCREENING,
        staff,
        "Dokumen baru diterima.",
    )


# --- Moving one application ------------------------------------------------------


def test_move_view_schedules_an_interview_in_wib(staff_client, program, staff):
    application = application_at(Stage.SHORTLISTED, program=program)
    starts = future_wib(days=10, hour=9, minute=30)

    response = staff_client.post(
        move_url(application),
        move_data(
            Stage.INTERVIEW_SCHEDULED,
            interview_starts_at=wib_input(starts),
            interview_place="Kantor KP2MI, Jakarta",
            interviewer="Ibu Sari",
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == change_url(application)
    application.refresh_from_db()
    assert application.stage == Stage.INTERVIEW_SCHEDULED
    interview = Interview.objects.get(application=application)
    assert interview.starts_at == starts
    assert interview.starts_at.astimezone(datetime.UTC).hour == 2  # 09:30 WIB is 02:30 UTC
    assert (interview.place, interview.online_link, interview.interviewer, interview.scheduled_by) == (
        "Kantor KP2MI, Jakarta",
        "",
        "Ibu Sari",
        staff,
    )
    event = application.events.get()
    assert (event.from_stage, event.to_stage, event.actor) == (
        Stage.SHORTLISTED,
        Stage.INTERVIEW_SCHEDULED,
        staff,
    )
    assert event.data["interview"]["interviewer"] == "Ibu Sari"
    assert successes_of(response) == [f"Application #{application.pk} is now at “Interview scheduled”."]

    page = staff_client.get(change_url(application)).content.decode()
    assert "Kantor KP2MI, Jakarta" in page
    assert "Ibu Sari" in page


@pytest.mark.parametrize(
    ("missing", "field", "error"),
    [
        ({"interviewer": ""}, "interviewer", "Name the interviewer."),
        (
            {"interview_place": "", "interview_online_link": ""},
            "interview_place",
            "Give a place or an online meeting link.",
        ),
    ],
    ids=["no-interviewer", "no-place-nor-link"],
)
def test_move_view_refuses_an_incomplete_interview(staff_client, program, missing, field, error):
    application = application_at(Stage.SHORTLISTED, program=program)
    data = move_data(
        Stage.INTERVIEW_SCHEDULED,
        interview_starts_at=wib_input(future_wib(days=10, hour=9)),
        interview_place="Kantor KP2MI, Jakarta",
        interviewer="Ibu Sari",
    )
    data.update(missing)

    response = staff_client.post(move_url(application), data)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [error]
    assert error in response.content.decode()
    application.refresh_from_db()
    assert application.stage == Stage.SHORTLISTED
    assert not Interview.objects.filter(application=application).exists()
    assert not application.events.exists()


def test_move_view_refuses_an_interview_in_the_past(staff_client, program):
    application = application_at(Stage.SHORTLISTED, program=program)

    response = staff_client.post(
        move_url(application),
        move_data(
            Stage.INTERVIEW_SCHEDULED,
            interview_starts_at=wib_input(timezone.now() - datetime.timedelta(hours=2)),
            interview_place="Kantor KP2MI, Jakarta",
            interviewer="Ibu Sari",
        ),
    )

    assert response.context["form"].errors["interview_starts_at"] == ["Choose a date and time in the future."]
    application.refresh_from_db()
    assert application.stage == Stage.SHORTLISTED


def test_move_view_offers_a_seat_on_the_chosen_track(staff_client, program, tracks, staff):
    application = application_at(Stage.INTERVIEWED, program=program, track=tracks[0])
    deadline = future_wib(days=5, hour=17)

    response = staff_client.post(
        move_url(application),
        move_data(Stage.OFFERED, track=str(tracks[1].pk), offer_deadline=wib_input(deadline)),
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.stage == Stage.OFFERED
    assert application.track == tracks[1]
    assert application.offer_expires_at == deadline
    assert seat_counters(tracks[1]) == (1, 0)
    assert seat_counters(tracks[0]) == (0, 0)
    event = application.events.get()
    assert (event.to_stage, event.actor, event.data["track"]) == (Stage.OFFERED, staff, tracks[1].pk)


def test_move_view_offer_on_a_full_track_says_no_seats_left(staff_client, program, tracks):
    PlacementTrack.objects.filter(pk=tracks[0].pk).update(seats_reserved=20, seats_taken=5)
    application = application_at(Stage.INTERVIEWED, program=program, track=tracks[0])

    response = staff_client.post(
        move_url(application),
        move_data(
            Stage.OFFERED, track=str(tracks[0].pk), offer_deadline=wib_input(future_wib(days=5, hour=17))
        ),
    )

    assert response.status_code == 200
    expected = "No seats left on the track “Rusia”: all 25 are offered or taken."
    assert response.context["form"].non_field_errors() == [expected]
    assert expected in response.content.decode()
    assert seat_counters(tracks[0]) == (20, 5)
    assert seat_counters(tracks[1]) == (0, 0)
    application.refresh_from_db()
    assert (application.stage, application.track, application.offer_expires_at) == (
        Stage.INTERVIEWED,
        None,
        None,
    )
    assert not application.events.exists()


def test_move_view_offers_only_the_moves_the_table_allows(staff_client, program):
    application = application_at(
        Stage.INTERVIEWED, program=program, candidate=CandidateFactory(full_name="Hadi Wawancara")
    )

    page = staff_client.get(move_url(application))

    assert page.status_code == 200
    assert "Hadi Wawancara is at “Interviewed”." in page.content.decode()
    choices = [value for value, _label in page.context["form"].fields["to_stage"].choices]
    assert set(choices) == {Stage.OFFERED, Stage.WAITLISTED, Stage.REJECTED}


def test_move_view_refuses_a_move_the_table_forbids(staff_client, program, tracks):
    application = application_at(Stage.SHORTLISTED, program=program)

    response = staff_client.post(move_url(application), move_data(Stage.OFFERED, track=str(tracks[0].pk)))

    assert response.status_code == 200
    html = response.content.decode()
    assert "is at “Shortlisted”." in html
    assert response.context["form"].errors["to_stage"]
    allowed = {value for value, _label in response.context["form"].fields["to_stage"].choices}
    assert allowed == {Stage.INTERVIEW_SCHEDULED, Stage.REJECTED}
    application.refresh_from_db()
    assert application.stage == Stage.SHORTLISTED
    assert seat_counters(tracks[0]) == (0, 0)
    assert not application.events.exists()


def test_move_view_requires_a_reason_to_reject(staff_client, program):
    application = application_at(Stage.SCREENING, program=program)

    response = staff_client.post(move_url(application), move_data(Stage.REJECTED))

    assert response.context["form"].errors["reason"] == ["This field is required."]
    application.refresh_from_db()
    assert application.stage == Stage.SCREENING


def test_move_view_of_a_finished_application_says_no_move_is_possible(staff_client, program):
    application = application_at(Stage.WITHDRAWN, program=program)

    response = staff_client.get(move_url(application))

    assert response.status_code == 200
    assert "No move is possible from this stage." in response.content.decode()


def test_move_view_reschedules_an_interview_keeping_one_slot(staff_client, program, staff):
    application = application_at(Stage.INTERVIEW_SCHEDULED, program=program)
    starts = future_wib(days=12, hour=13)

    response = staff_client.post(
        move_url(application),
        move_data(
            Stage.INTERVIEW_SCHEDULED,
            interview_starts_at=wib_input(starts),
            interview_online_link="https://meet.example.id/seleksi",
            interviewer="Bapak Joko",
        ),
    )

    assert response.status_code == 302
    interview = Interview.objects.get(application=application)
    assert (interview.starts_at, interview.place, interview.online_link, interview.interviewer) == (
        starts,
        "",
        "https://meet.example.id/seleksi",
        "Bapak Joko",
    )
    event = application.events.get()
    assert (event.from_stage, event.to_stage, event.actor) == (
        Stage.INTERVIEW_SCHEDULED,
        Stage.INTERVIEW_SCHEDULED,
        staff,
    )


def test_move_view_offer_without_deadline_ends_the_answer_period_at_2359_wib(staff_client, program, tracks):
    application = application_at(Stage.INTERVIEWED, program=program, track=tracks[0])

    response = staff_client.post(move_url(application), move_data(Stage.OFFERED))

    assert response.status_code == 302
    application.refresh_from_db()
    last_day = timezone.localdate() + datetime.timedelta(days=program.offer_response_days)
    assert application.offer_expires_at == datetime.datetime.combine(
        last_day, datetime.time(23, 59), tzinfo=WIB
    )
    assert application.track == tracks[0]  # the preferred track
    assert seat_counters(tracks[0]) == (1, 0)


def test_move_view_refuses_an_offer_deadline_in_the_past(staff_client, program, tracks):
    application = application_at(Stage.INTERVIEWED, program=program, track=tracks[0])

    response = staff_client.post(
        move_url(application),
        move_data(
            Stage.OFFERED,
            offer_deadline=wib_input(timezone.now() - datetime.timedelta(days=1)),
        ),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["offer_deadline"] == ["Choose a date and time in the future."]
    application.refresh_from_db()
    assert application.stage == Stage.INTERVIEWED
    assert seat_counters(tracks[0]) == (0, 0)


# --- Scores ------------------------------------------------------------------------


def score_data(program, values) -> dict[str, str]:
    criteria = list(program.criteria.order_by("order"))
    pairs = zip(criteria, values, strict=True)
    return {f"criterion_{criterion.pk}": str(value) for criterion, value in pairs}


def test_scores_view_records_weighted_total_and_scorer(staff_client, program, staff):
    application = application_at(Stage.DOCUMENTS_VERIFIED, program=program)

    response = staff_client.post(scores_url(application), score_data(program, [80, 70, 90, 60]))

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.score_total == Decimal("76.00")  # 8 + 14 + 36 + 18
    scores = Score.objects.filter(application=application).select_related("criterion")
    assert {(s.criterion.name, s.value) for s in scores} == {
        ("Dokumen", Decimal("80")),
        ("Tes tertulis", Decimal("70")),
        ("Uji praktik las", Decimal("90")),
        ("Wawancara", Decimal("60")),
    }
    assert {s.scorer for s in scores} == {staff}
    assert successes_of(response) == ["Scores saved. Total: 76.00."]

    form = staff_client.get(scores_url(application)).content.decode()
    assert "Scored by Staf Seleksi" in form
    change_page = staff_client.get(change_url(application)).content.decode()
    assert "Uji praktik las" in change_page
    assert "Staf Seleksi" in change_page


def test_scores_view_refuses_to_score_a_closed_application(staff_client, program):
    application = application_at(Stage.WITHDRAWN, program=program)

    response = staff_client.post(scores_url(application), score_data(program, [80, 70, 90, 60]))

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "This application is closed (Withdrawn); it is no longer scored."
    ]
    assert not Score.objects.filter(application=application).exists()


def test_scores_view_refuses_a_score_over_100_and_saves_nothing(staff_client, program):
    application = application_at(Stage.DOCUMENTS_VERIFIED, program=program)

    response = staff_client.post(scores_url(application), score_data(program, [80, 101, 90, 60]))

    assert response.status_code == 200
    criterion = program.criteria.get(name="Tes tertulis")
    assert response.context["form"].errors[f"criterion_{criterion.pk}"] == [
        "Ensure this value is less than or equal to 100."
    ]
    assert not Score.objects.filter(application=application).exists()
    application.refresh_from_db()
    assert application.score_total is None


def test_changelist_ranks_the_best_scored_application_first(staff_client, program):
    best = application_at(Stage.DOCUMENTS_VERIFIED, program=program)
    second = application_at(Stage.DOCUMENTS_VERIFIED, program=program)
    unscored = application_at(Stage.DOCUMENTS_VERIFIED, program=program)
    staff_client.post(scores_url(second), score_data(program, [60, 60, 60, 60]))
    staff_client.post(scores_url(best), score_data(program, [80, 70, 90, 60]))

    response = staff_client.get(CHANGELIST)

    ranks = {application.pk: application.rank for application in response.context["cl"].result_list}
    assert ranks == {best.pk: 1, second.pk: 2, unscored.pk: None}
    html = response.content.decode()
    best_row = re.search(rf'<tr>.*?value="{best.pk}".*?</tr>', html, re.DOTALL).group(0)
    assert '<td class="field-rank">1</td>' in best_row
    assert '<td class="field-score_total">76.00</td>' in best_row


def test_changelist_sorts_by_rank(staff_client, program):
    third = application_at(Stage.DOCUMENTS_VERIFIED, program=program, score_total=Decimal("50"))
    first = application_at(Stage.DOCUMENTS_VERIFIED, program=program, score_total=Decimal("90"))
    second = application_at(Stage.DOCUMENTS_VERIFIED, program=program, score_total=Decimal("70"))
    rank_column = ApplicationAdmin.list_display.index("rank") + 1  # admin counts columns from 1

    response = staff_client.get(CHANGELIST, {"o": str(rank_column)})

    assert [a.pk for a in response.context["cl"].result_list] == [first.pk, second.pk, third.pk]


# --- Shortlist proposal --------------------------------------------------------------


def test_shortlist_proposal_ranks_verified_applications_and_ticks_the_top_n(staff_client, program):
    by_score = {}
    for total in (Decimal("70"), Decimal("90"), None, Decimal("80")):
        application = application_at(Stage.DOCUMENTS_VERIFIED, program=program)
        Application.objects.filter(pk=application.pk).update(score_total=total)
        by_score[total] = application
    screening = application_at(Stage.SCREENING, program=program)
    elsewhere = application_at(Stage.DOCUMENTS_VERIFIED, program=ProgramFactory())

    response = staff_client.get(shortlist_url(program), {"size": "2"})

    assert response.status_code == 200
    proposal = [(application.pk, ticked) for application, ticked in response.context["proposal"]]
    assert proposal == [
        (by_score[Decimal("90")].pk, True),
        (by_score[Decimal("80")].pk, True),
        (by_score[Decimal("70")].pk, False),
        (by_score[None].pk, False),
    ]
    html = response.content.decode()
    ticked = set(re.findall(r'name="application" value="(\d+)" id="pick-\d+" checked', html))
    assert ticked == {str(by_score[Decimal("90")].pk), str(by_score[Decimal("80")].pk)}
    assert f'value="{screening.pk}"' not in html
    assert f'value="{elsewhere.pk}"' not in html
    assert "4 applications have verified documents; the best 2 are ticked." in html


def test_shortlist_proposal_post_shortlists_the_ticked_through_the_service(staff_client, program, staff):
    first = application_at(Stage.DOCUMENTS_VERIFIED, program=program, score_total=Decimal("90"))
    second = application_at(Stage.DOCUMENTS_VERIFIED, program=program, score_total=Decimal("80"))
    left = application_at(Stage.DOCUMENTS_VERIFIED, program=program, score_total=Decimal("70"))
    url = shortlist_url(program) + "?size=2"

    response = staff_client.post(url, {"application": [str(first.pk), str(second.pk)]})

    assert response.status_code == 302
    assert response["Location"] == url
    for application in (first, second, left):
        application.refresh_from_db()
    assert (first.stage, second.stage, left.stage) == (
        Stage.SHORTLISTED,
        Stage.SHORTLISTED,
        Stage.DOCUMENTS_VERIFIED,
    )
    for application in (first, second):
        event = application.events.get()
        assert (event.from_stage, event.to_stage, event.actor) == (
            Stage.DOCUMENTS_VERIFIED,
            Stage.SHORTLISTED,
            staff,
        )
    assert not left.events.exists()
    assert successes_of(response) == [
        f"2 applications moved: #{first.pk} → Shortlisted, #{second.pk} → Shortlisted"
    ]


def test_shortlist_proposal_post_ignores_applications_outside_the_proposal(staff_client, program):
    screening = application_at(Stage.SCREENING, program=program)
    elsewhere = application_at(Stage.DOCUMENTS_VERIFIED, program=ProgramFactory())

    response = staff_client.post(
        shortlist_url(program), {"application": [str(screening.pk), str(elsewhere.pk)]}
    )

    assert response.status_code == 302
    screening.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (screening.stage, elsewhere.stage) == (Stage.SCREENING, Stage.DOCUMENTS_VERIFIED)
    assert not ApplicationEvent.objects.exists()


# --- History -------------------------------------------------------------------------


def test_change_page_history_shows_each_actor_role_and_reason(staff_client, program):
    candidate = CandidateFactory(full_name="Indah Kandidat", user__full_name="Indah Kandidat")
    application = application_at(Stage.DOCUMENTS_VERIFIED, program=program, candidate=candidate)
    staff_client.post(
        move_url(application), move_data(Stage.SHORTLISTED, reason="Nilai dokumen sangat baik.")
    )
    candidate_client = Client()
    candidate_client.force_login(candidate.user)
    withdrawn = candidate_client.post(
        reverse("candidates:withdraw", args=[application.pk]), {"reason": "Mendapat pekerjaan lain."}
    )
    assert withdrawn.status_code == 302
    application.refresh_from_db()
    assert application.stage == Stage.WITHDRAWN

    response = staff_client.get(change_url(application))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Staf Seleksi (Ministry staff)" in html
    assert "Indah Kandidat (Candidate)" in html
    assert "Nilai dokumen sangat baik." in html
    assert "Mendapat pekerjaan lain." in html
    assert html.index("Staf Seleksi (Ministry staff)") < html.index("Indah Kandidat (Candidate)")


# --- Who may open these pages --------------------------------------------------------


@pytest.mark.parametrize("who", ["partner", "candidate", "anonymous"])
@pytest.mark.parametrize("page", ["changelist", "move", "scores", "shortlist"])
def test_only_staff_open_the_selection_pages(client, program, partner_user, who, page):
    application = application_at(Stage.DOCUMENTS_VERIFIED, program=program)
    if who == "partner":
        client.force_login(partner_user)
    elif who == "candidate":
        client.force_login(application.candidate.user)
    url = {
        "changelist": CHANGELIST,
        "move": move_url(application),
        "scores": scores_url(application),
        "shortlist": shortlist_url(program),
    }[page]

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


def test_non_staff_cannot_move_by_posting(client, program, partner_user):
    application = application_at(Stage.SHORTLISTED, program=program)
    client.force_login(partner_user)

    response = client.post(move_url(application), move_data(Stage.REJECTED, reason="Tidak cocok"))

    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")
    application.refresh_from_db()
    assert application.stage == Stage.SHORTLISTED


def test_staff_member_not_logged_in_is_sent_to_login(client, program, staff):
    application = application_at(Stage.SHORTLISTED, program=program)

    for url in (CHANGELIST, move_url(application)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{LOGIN}?next=")

    client.force_login(staff)
    assert client.get(CHANGELIST).status_code == 200
    assert client.get(move_url(application)).status_code == 200


# --- The default language ------------------------------------------------------------


def test_indonesian_admin_reports_bulk_refusals_in_indonesian(staff_client, program):
    shortlisted = application_at(
        Stage.SHORTLISTED, program=program, candidate=CandidateFactory(full_name="Joko Widodo")
    )
    movable = application_at(Stage.DOCUMENTS_VERIFIED, program=program)

    url = indonesian("admin:candidates_application_changelist")
    page = advance(staff_client, [shortlisted, movable], url=url)
    assert "Pindahkan 1 lamaran" in page.content.decode()

    response = confirm(staff_client, page, url=url)

    assert response.status_code == 302
    assert successes_of(response) == [f"1 lamaran dipindahkan: #{movable.pk} → Masuk daftar pendek"]
    assert errors_of(response) == []


def test_indonesian_admin_renders_every_selection_page(staff_client, program):
    application = application_at(Stage.INTERVIEWED, program=program, score_total=Decimal("76"))
    pages = [
        indonesian("admin:candidates_application_changelist"),
        indonesian("admin:candidates_application_change", application.pk),
        indonesian("admin:candidates_application_move", application.pk),
        indonesian("admin:candidates_application_scores", application.pk),
        indonesian("admin:candidates_application_shortlist", program.pk),
    ]

    for url in pages:
        assert not url.startswith("/en/")
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="id"' in response.content.decode(), url
