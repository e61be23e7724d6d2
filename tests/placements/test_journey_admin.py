"""Staff follow and move a worker on the journey page of the admin, and find workers in the lists.

Every form on the page calls one service: a valid POST saves and redirects back to the page,
a refused one shows the service's message on the page and changes nothing. The tests use the
English admin (``/en/admin/``); the last ones the default Indonesian at ``/admin/``.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from candidates.models import Stage
from placements import services
from placements.models import (
    Assessment,
    Certificate,
    ChecklistItem,
    EnrolmentStatus,
    GradeChange,
    Placement,
    PlacementEvent,
    PlacementStatus,
    Referral,
    ReferralOutcome,
)
from tests.accounts.factories import PartnerUserFactory, StaffFactory
from tests.candidates.factories import CandidateFactory, application_at
from tests.files import pdf_bytes, upload

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


def english(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


def journey_url(application_id: int, *, language: str = "en") -> str:
    with translation.override(language):
        return reverse("admin:placements_journey", args=[application_id])


def ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def post(client, application, action: str, **fields):
    """Submit one form of the page: its fields carry the form's prefix."""
    data = {"action": action, **{f"{action}-{name}": value for name, value in fields.items()}}
    return client.post(journey_url(application.pk), data)


def saved(response, application) -> None:
    assert response.status_code == 302, _errors(response)
    assert response["Location"] == journey_url(application.pk)


def refused_with(response, message: str) -> None:
    """The page is shown again with the service's message (HTML-escaped, as on the page)."""
    assert response.status_code == 200
    assert response.templates[0].name == "admin/placements/journey.html"
    assert escape(message) in response.content.decode(), _errors(response)


def _errors(response) -> str:
    if getattr(response, "context", None) is None or "forms" not in response.context:
        return ""
    return "; ".join(
        f"{form.action}: {form.errors.as_text()}" for form in response.context["forms"] if form.errors
    )


def form_actions(response) -> list[str]:
    return [form.action for form in response.context["forms"]]


# --- Who may open the page ---------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, worker):
    response = client.get(journey_url(worker.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(english("admin:login"))


@pytest.mark.parametrize("who", ["candidate", "partner"])
def test_candidates_and_partners_are_sent_to_log_in(client, worker, who):
    user = (
        worker.candidate.user if who == "candidate" else PartnerUserFactory(partner=worker.program.employer)
    )
    client.force_login(user)
    for method in (client.get, client.post):
        response = method(journey_url(worker.pk))
        assert response.status_code == 302
        assert response["Location"].startswith(english("admin:login"))
    assert phases_of(worker)[0].status == EnrolmentStatus.PLANNED


def test_staff_without_the_ministry_group_get_404(client, worker):
    outsider = StaffFactory()
    outsider.groups.remove(*Group.objects.all())
    client.force_login(outsider)
    assert client.get(journey_url(worker.pk)).status_code == 404


@pytest.fixture
def viewer_client(client, db):
    """Staff who may look at training and placements but change nothing."""
    viewer = StaffFactory()
    viewer.groups.remove(*Group.objects.all())
    viewer.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="placements", codename__in=["view_enrolment", "view_placement"]
        )
    )
    client.force_login(viewer)
    return client


def test_staff_who_may_only_view_see_the_journey_without_forms(viewer_client, worker):
    response = viewer_client.get(journey_url(worker.pk))
    assert response.status_code == 200
    assert "1. Russian language" in response.content.decode()
    assert form_actions(response) == []


def test_staff_who_may_only_view_cannot_change_the_journey(viewer_client, worker):
    first = phases_of(worker)[0]
    response = post(viewer_client, worker, "start", enrolment=first.pk, starts_on=ago(1).isoformat())
    assert response.status_code == 403
    assert phases_of(worker)[0].status == EnrolmentStatus.PLANNED


def test_enrolment_rights_alone_give_the_training_forms_only(client, worker):
    trainer = StaffFactory()
    trainer.groups.remove(*Group.objects.all())
    trainer.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="placements",
            codename__in=["view_enrolment", "view_placement", "change_enrolment"],
        )
    )
    client.force_login(trainer)
    assert form_actions(client.get(journey_url(worker.pk))) == ["field", "start", "end"]
    response = post(client, worker, "place", site="Bratsk", position="Operator", contract_starts=ago(1))
    assert response.status_code == 403
    assert not Placement.objects.filter(application=worker).exists()


@pytest.mark.parametrize(
    "action, fields",
    [
        ("grade", {"grade": 2, "effective_on": "2026-01-01", "reason": ""}),
        ("status", {"status": "departed", "on_date": "2026-01-01", "reason": ""}),
        ("wish", {"wish": "business"}),
        ("referral", {"kind": "business_support", "partner": ""}),
    ],
)
def test_placement_forms_before_a_placement_exists_are_refused(staff_client, worker, action, fields):
    response = post(staff_client, worker, action, **fields)
    refused_with(response, "This worker has no placement yet: create it first.")
    assert not Placement.objects.filter(application=worker).exists()


def test_a_missing_application_is_404(staff_client, worker):
    assert staff_client.get(journey_url(987_654_321)).status_code == 404


# --- What the page shows ---------------------------------------------------------------------


def test_an_application_before_acceptance_has_an_empty_journey(staff_client, program):
    application = application_at(Stage.SHORTLISTED, program=program)
    response = staff_client.get(journey_url(application.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "No training enrolments: they are made when the candidate accepts a seat." in page
    assert "No placement yet: it is created once training is complete." in page
    assert form_actions(response) == []


def test_an_accepted_worker_gets_the_training_forms(staff_client, worker):
    response = staff_client.get(journey_url(worker.pk))
    assert response.status_code == 200
    assert form_actions(response) == ["field", "start", "end", "place"]
    page = response.content.decode()
    assert "1. Russian language" in page and "2. Technical training" in page
    assert page.count("Planned") >= 2


def test_the_page_shows_the_whole_journey(staff_client, working, staff):
    services.placement_change_grade(
        placement=working,
        to_grade=1,
        effective_on=working.contract_starts,
        actor=staff,
        reason="Awal kontrak",
    )
    services.placement_change_grade(
        placement=working,
        to_grade=2,
        effective_on=working.contract_starts + datetime.timedelta(days=30),
        actor=staff,
    )
    contract_ended(working, days_ago=10)
    returned = move(working, "completed", staff, days_ago=10)
    services.placement_record_wish(placement=returned, wish="business", actor=staff)
    services.referral_create(placement=returned, kind="business_support", actor=staff, note="Bengkel las")
    language, _technical = phases_of(returned.application)
    services.certificate_add(
        enrolment=language, actor=staff, issuer="BPSDMI", number="TRKI-77", issued_on=ago(3)
    )
    response = staff_client.get(journey_url(returned.application_id))
    assert response.status_code == 200
    page = response.content.decode()
    journey = response.context["journey"]
    assert journey.application.pk == returned.application_id
    # Stages
    for label in ("Accepted", "In training", "Placed under contract", "Returned home"):
        assert label in page, label
    # Training rows, with results and certificates
    assert "1. Russian language" in page and "2. Technical training" in page
    assert "Machinery" in page
    assert "Final assessment: 80" in page
    assert "BPSDMI TRKI-77" in page
    # Placement, history, grades with pay, checklist, referrals
    assert "Krasnoyarsk" in page and "Juru las" in page
    assert "Contract completed" in page
    assert [event.to_status for event in journey.placement_events] == [
        "planned",
        "pre_departure",
        "departed",
        "working",
        "completed",
    ]
    assert [(c.from_grade, c.to_grade) for c in journey.grade_changes] == [(None, 1), (1, 2)]
    assert "Awal kontrak" in page
    assert "2 · 100,000 RUB a month ≈ Rp 21,900,000 (rate of Oct. 1, 2026)" in page
    assert len(journey.checklist) == 6
    assert "Work visa" in page and "Health check" in page
    assert "Business support (Ministry of Cooperatives and SMEs)" in page
    assert [r.kind for r in journey.referrals] == ["business_support"]
    assert form_actions(response) == ["certificate", "wish", "referral", "outcome"]


def test_a_flagged_passport_is_shown(staff_client, placement):
    candidate = placement.application.candidate
    candidate.passport_expiry = placement.contract_ends - datetime.timedelta(days=1)
    candidate.save(update_fields=["passport_expiry"])
    services.passports_flag()
    page = staff_client.get(journey_url(placement.application_id)).content.decode()
    assert "The passport expires before the contract ends." in page


# --- Each form saves through its service ------------------------------------------------------


def test_start_and_choose_the_field(staff_client, worker):
    language, technical = phases_of(worker)
    saved(post(staff_client, worker, "field", enrolment=technical.pk, field_of_study="transport"), worker)
    technical.refresh_from_db()
    assert technical.field_of_study == "transport"
    response = post(staff_client, worker, "start", enrolment=language.pk, starts_on=ago(300).isoformat())
    saved(response, worker)
    language.refresh_from_db()
    assert (language.status, language.starts_on) == (EnrolmentStatus.IN_PROGRESS, ago(300))
    worker.refresh_from_db()
    assert worker.stage == Stage.IN_TRAINING
    page = staff_client.get(response["Location"]).content.decode()
    assert "Saved: Start a phase." in page


def test_progress_assessment_and_pass(staff_client, worker, staff):
    language, technical = phases_of(worker)
    start(language, staff)
    services.enrolment_choose_field(enrolment=technical, field="machinery", actor=staff)
    saved(
        post(
            staff_client,
            worker,
            "progress",
            enrolment=language.pk,
            attendance="88.5",
            language_level="torfl_1",
        ),
        worker,
    )
    language.refresh_from_db()
    assert (str(language.attendance), language.language_level) == ("88.50", "torfl_1")
    saved(
        post(
            staff_client,
            worker,
            "assessment",
            enrolment=language.pk,
            taken_on=timezone.localdate().isoformat(),
            kind="final",
            score="81",
            pass_mark="60",
            max_score="100",
            note="Ujian akhir",
        ),
        worker,
    )
    assessment = Assessment.objects.get()
    assert (assessment.kind, assessment.passed, assessment.note) == ("final", True, "Ujian akhir")
    saved(post(staff_client, worker, "pass", enrolment=language.pk, language_level="torfl_2"), worker)
    language.refresh_from_db()
    assert (language.status, language.language_level) == (EnrolmentStatus.PASSED, "torfl_2")
    technical.refresh_from_db()
    assert technical.status == EnrolmentStatus.IN_PROGRESS


def test_end_a_phase_early(staff_client, worker, staff):
    language, _technical = phases_of(worker)
    start(language, staff)
    saved(
        post(staff_client, worker, "end", enrolment=language.pk, status="failed", reason="Tidak lulus"),
        worker,
    )
    assert [e.status for e in phases_of(worker)] == [EnrolmentStatus.FAILED, EnrolmentStatus.DISCONTINUED]
    worker.refresh_from_db()
    assert worker.stage == Stage.DISCONTINUED


def test_add_a_certificate_with_its_scan(staff_client, worker, staff):
    language, _technical = phases_of(worker)
    start(language, staff)
    data = {
        "action": "certificate",
        "certificate-enrolment": language.pk,
        "certificate-issuer": "BPSDMI",
        "certificate-number": "C-9",
        "certificate-issued_on": ago(1).isoformat(),
        "certificate-file": upload("sertifikat.pdf", pdf_bytes(), "application/pdf"),
    }
    saved(staff_client.post(journey_url(worker.pk), data), worker)
    certificate = Certificate.objects.get()
    assert (certificate.number, certificate.content_type, certificate.recorded_by.email) == (
        "C-9",
        "application/pdf",
        "staf@p2mi.go.id",
    )


def test_place_a_trained_worker(staff_client, trained, program):
    response = post(
        staff_client,
        trained,
        "place",
        site="Bratsk",
        position="Operator",
        contract_starts=ago(10).isoformat(),
        contract_ends="",
        employer="",
    )
    saved(response, trained)
    placement = Placement.objects.get(application=trained)
    assert (placement.site, placement.employer, placement.contract_ends) == (
        "Bratsk",
        program.employer,
        services.add_months(ago(10), 60),
    )
    trained.refresh_from_db()
    assert trained.stage == Stage.PLACED


def test_confirm_checklist_change_status_and_grade(staff_client, placement):
    application = placement.application
    for item in placement.checklist.order_by("id"):
        saved(
            post(
                staff_client,
                application,
                "checklist",
                item=item.pk,
                confirmed_on=ago(90).isoformat(),
                note="OK",
            ),
            application,
        )
    assert not ChecklistItem.objects.filter(placement=placement, confirmed_on__isnull=True).exists()
    saved(
        post(
            staff_client,
            application,
            "status",
            status="pre_departure",
            on_date=ago(80).isoformat(),
            reason="",
        ),
        application,
    )
    saved(
        post(staff_client, application, "status", status="departed", on_date=ago(70).isoformat(), reason=""),
        application,
    )
    placement.refresh_from_db()
    assert (placement.status, placement.departed_on) == (PlacementStatus.DEPARTED, ago(70))
    saved(
        post(
            staff_client,
            application,
            "grade",
            grade="1",
            effective_on=placement.contract_starts.isoformat(),
            reason="Awal",
        ),
        application,
    )
    change = GradeChange.objects.get()
    assert (change.to_grade, change.actor.email, change.api_key) == (1, "staf@p2mi.go.id", None)


def test_record_the_wish_refer_and_record_the_outcome(staff_client, returned):
    application = returned.application
    saved(post(staff_client, application, "wish", wish="strategic_job"), application)
    returned.refresh_from_db()
    assert returned.reintegration_wish == "strategic_job"
    saved(
        post(
            staff_client,
            application,
            "referral",
            kind="energy_project",
            partner="",
            referred_on="",
            note="PLTU",
        ),
        application,
    )
    referral = Referral.objects.get()
    assert (referral.kind, referral.referred_on, referral.note) == (
        "energy_project",
        timezone.localdate(),
        "PLTU",
    )
    saved(
        post(
            staff_client,
            application,
            "outcome",
            referral=referral.pk,
            outcome="accepted",
            outcome_on="",
            note="Diterima",
        ),
        application,
    )
    referral.refresh_from_db()
    assert (referral.outcome, referral.outcome_on, referral.outcome_note) == (
        ReferralOutcome.ACCEPTED,
        timezone.localdate(),
        "Diterima",
    )


# --- A refused form shows why and changes nothing ------------------------------------------------


def test_a_refused_start_shows_the_service_message(staff_client, worker, staff):
    _language, technical = phases_of(worker)
    services.enrolment_choose_field(enrolment=technical, field="machinery", actor=staff)
    response = post(staff_client, worker, "start", enrolment=technical.pk, starts_on="")
    refused_with(response, "Pass the earlier phases first: 1. Russian language.")
    technical.refresh_from_db()
    assert technical.status == EnrolmentStatus.PLANNED
    worker.refresh_from_db()
    assert worker.stage == Stage.ACCEPTED


def test_a_field_not_in_the_phase_is_shown_on_the_field(staff_client, worker):
    _language, technical = phases_of(worker)
    response = post(staff_client, worker, "field", enrolment=technical.pk, field_of_study="welding")
    refused_with(response, "Choose one of this phase's fields of study:")
    form = next(f for f in response.context["forms"] if f.action == "field")
    assert "field_of_study" in form.errors
    technical.refresh_from_db()
    assert technical.field_of_study == ""


def test_a_refused_pass_names_the_rules(staff_client, worker, staff):
    language, _technical = phases_of(worker)
    start(language, staff)
    response = post(staff_client, worker, "pass", enrolment=language.pk, language_level="")
    refused_with(
        response,
        "“Russian language” cannot be passed: attendance is not recorded; no final assessment is recorded.",
    )
    language.refresh_from_db()
    assert language.status == EnrolmentStatus.IN_PROGRESS


def test_a_refused_assessment_marks_the_date(staff_client, worker, staff):
    language, _technical = phases_of(worker)
    start(language, staff)
    response = post(
        staff_client,
        worker,
        "assessment",
        enrolment=language.pk,
        taken_on=(timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
        kind="test",
        score="50",
        pass_mark="60",
        max_score="100",
    )
    refused_with(response, "The assessment date cannot be in the future.")
    form = next(f for f in response.context["forms"] if f.action == "assessment")
    assert list(form.errors) == ["taken_on"]
    assert not Assessment.objects.exists()


def test_a_certificate_scan_of_the_wrong_type_is_refused(staff_client, worker, staff):
    language, _technical = phases_of(worker)
    start(language, staff)
    data = {
        "action": "certificate",
        "certificate-enrolment": language.pk,
        "certificate-issuer": "BPSDMI",
        "certificate-number": "C-9",
        "certificate-issued_on": ago(1).isoformat(),
        "certificate-file": upload("sertifikat.pdf", b"GIF89a not really a pdf", "application/pdf"),
    }
    response = staff_client.post(journey_url(worker.pk), data)
    refused_with(response, "This file is not a PDF, JPEG or PNG document (whatever its name says).")
    assert not Certificate.objects.exists()


def test_an_early_end_without_a_reason_is_a_form_error(staff_client, worker, staff):
    language, _technical = phases_of(worker)
    start(language, staff)
    response = post(staff_client, worker, "end", enrolment=language.pk, status="failed", reason="")
    assert response.status_code == 200
    form = next(f for f in response.context["forms"] if f.action == "end")
    assert list(form.errors) == ["reason"]
    language.refresh_from_db()
    assert language.status == EnrolmentStatus.IN_PROGRESS


def test_placing_before_training_is_complete_is_refused(staff_client, worker):
    response = post(
        staff_client, worker, "place", site="Bratsk", position="Operator", contract_starts=ago(0).isoformat()
    )
    refused_with(
        response,
        "Training is not complete; these phases are not passed: 1. Russian language, 2. Technical training.",
    )
    assert not Placement.objects.exists()


def test_an_invalid_passport_cannot_be_confirmed(staff_client, placement):
    candidate = placement.application.candidate
    candidate.passport_number = ""
    candidate.save(update_fields=["passport_number"])
    passport = placement.checklist.get(item="passport")
    response = post(
        staff_client, placement.application, "checklist", item=passport.pk, confirmed_on="", note=""
    )
    refused_with(response, "The worker's profile has no passport number and expiry date.")
    passport.refresh_from_db()
    assert passport.is_open


def test_departure_with_open_items_is_refused_and_nothing_moves(staff_client, placement, staff):
    move(placement, "pre_departure", staff, days_ago=80)
    response = post(
        staff_client,
        placement.application,
        "status",
        status="departed",
        on_date=ago(70).isoformat(),
        reason="",
    )
    refused_with(
        response,
        "The worker cannot depart while these checklist items are open: "
        "Passport valid for the whole contract",
    )
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.PRE_DEPARTURE
    assert PlacementEvent.objects.filter(placement=placement).count() == 2


def test_a_grade_jump_is_refused(staff_client, working, staff):
    services.placement_change_grade(
        placement=working, to_grade=1, effective_on=working.contract_starts, actor=staff
    )
    response = post(
        staff_client,
        working.application,
        "grade",
        grade="3",
        effective_on=(working.contract_starts + datetime.timedelta(days=10)).isoformat(),
        reason="",
    )
    refused_with(response, "Grades change one step at a time: from grade 1")
    assert GradeChange.objects.count() == 1
    working.refresh_from_db()
    assert working.grade == 1


def test_a_grade_off_the_ladder_is_shown_on_the_grade_field(staff_client, working):
    response = post(
        staff_client,
        working.application,
        "grade",
        grade="9",
        effective_on=working.contract_starts.isoformat(),
        reason="",
    )
    refused_with(response, "Grade 9 is not on the programme's ladder (1 to 6).")
    form = next(f for f in response.context["forms"] if f.action == "grade")
    assert list(form.errors) == ["grade"]


def test_the_wish_before_the_return_is_refused(staff_client, working):
    response = post(staff_client, working.application, "wish", wish="business")
    refused_with(response, "Record the worker's return first.")
    working.refresh_from_db()
    assert working.reintegration_wish == ""


def test_a_referral_that_does_not_match_the_wish_is_refused(staff_client, returned, staff):
    services.placement_record_wish(placement=returned, wish="business", actor=staff)
    response = post(
        staff_client,
        returned.application,
        "referral",
        kind="industry_project",
        partner="",
        referred_on="",
        note="",
    )
    refused_with(response, "this referral is for someone who wants “A job on a national strategic project”.")
    assert not Referral.objects.exists()


def test_an_outcome_before_the_referral_is_refused(staff_client, returned, staff):
    services.placement_record_wish(placement=returned, wish="business", actor=staff)
    referral = services.referral_create(
        placement=returned, kind="business_support", actor=staff, referred_on=ago(5)
    )
    response = post(
        staff_client,
        returned.application,
        "outcome",
        referral=referral.pk,
        outcome="declined",
        outcome_on=ago(6).isoformat(),
        note="",
    )
    refused_with(response, "The outcome date must be between the referral")
    referral.refresh_from_db()
    assert referral.outcome == ReferralOutcome.PENDING


def test_an_early_end_of_the_placement_needs_a_reason(staff_client, working):
    response = post(staff_client, working.application, "status", status="repatriated", on_date="", reason="")
    refused_with(response, "Give a reason for an early end.")
    working.refresh_from_db()
    assert working.status == PlacementStatus.WORKING


def test_a_move_the_form_does_not_offer_is_a_form_error(staff_client, placement):
    response = post(staff_client, placement.application, "status", status="working", on_date="", reason="")
    assert response.status_code == 200
    form = next(f for f in response.context["forms"] if f.action == "status")
    assert list(form.errors) == ["status"]
    assert Placement.objects.get(pk=placement.pk).status == PlacementStatus.PLANNED


def test_an_unknown_action_changes_nothing(staff_client, worker):
    response = staff_client.post(
        journey_url(worker.pk), {"action": "delete", "start-enrolment": phases_of(worker)[0].pk}
    )
    assert response.status_code == 200
    assert {e.status for e in phases_of(worker)} == {EnrolmentStatus.PLANNED}


def test_the_indonesian_page_shows_indonesian_phase_titles(staff_client, worker):
    response = staff_client.get(journey_url(worker.pk, language="id"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "1. Bahasa Rusia" in page and "2. Pelatihan teknik" in page
    assert "Russian language" not in page


# --- The lists --------------------------------------------------------------------------------


ENROLMENTS = "admin:placements_enrolment_changelist"
PLACEMENTS = "admin:placements_placement_changelist"


def listed(response) -> set[int]:
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def test_the_enrolment_list_filters_by_status(staff_client, worker, staff, program):
    language, technical = phases_of(worker)
    start(language, staff)
    url = english(ENROLMENTS)
    assert listed(staff_client.get(url)) == {language.pk, technical.pk}
    assert listed(staff_client.get(url, {"status__exact": "in_progress"})) == {language.pk}
    assert listed(staff_client.get(url, {"status__exact": "planned"})) == {technical.pk}
    assert listed(staff_client.get(url, {"phase__program__id__exact": program.pk})) == {
        language.pk,
        technical.pk,
    }
    assert listed(staff_client.get(url, {"field_of_study__exact": "language"})) == {language.pk}
    assert listed(staff_client.get(url, {"q": worker.candidate.full_name})) == {language.pk, technical.pk}
    page = staff_client.get(url).content.decode()
    assert journey_url(worker.pk) in page


def test_an_enrolment_opens_read_only(staff_client, worker, staff):
    language, _technical = phases_of(worker)
    start(language, staff)
    make_passable(language, staff)
    response = staff_client.get(english("admin:placements_enrolment_change", language.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert staff_client.get(english("admin:placements_enrolment_add")).status_code == 403


@pytest.fixture
def two_placements(placement, program, staff):
    """One placement with its checklist complete and a flagged passport; one with every item open."""
    confirm_all(placement, staff)
    candidate = placement.application.candidate
    candidate.passport_expiry = placement.contract_ends
    candidate.save(update_fields=["passport_expiry"])
    other = place(complete_training(accept(program), staff), staff)
    other_candidate = other.application.candidate
    other_candidate.passport_expiry = other.contract_ends - datetime.timedelta(days=1)
    other_candidate.save(update_fields=["passport_expiry"])
    services.passports_flag()
    return placement, other


def test_the_placement_list_filters(staff_client, two_placements, program, tracks):
    complete, open_ = two_placements
    url = english(PLACEMENTS)
    assert listed(staff_client.get(url)) == {complete.pk, open_.pk}
    assert listed(staff_client.get(url, {"checklist": "open"})) == {open_.pk}
    assert listed(staff_client.get(url, {"checklist": "complete"})) == {complete.pk}
    assert listed(staff_client.get(url, {"passport": "flagged"})) == {open_.pk}
    assert listed(staff_client.get(url, {"status__exact": "planned"})) == {complete.pk, open_.pk}
    assert listed(staff_client.get(url, {"status__exact": "working"})) == set()
    assert listed(staff_client.get(url, {"application__program__id__exact": program.pk})) == {
        complete.pk,
        open_.pk,
    }
    assert listed(staff_client.get(url, {"track__id__exact": tracks[0].pk})) == {complete.pk, open_.pk}
    assert listed(staff_client.get(url, {"q": "Krasnoyarsk"})) == {complete.pk, open_.pk}


def test_the_placement_list_counts_open_items(staff_client, two_placements):
    complete, open_ = two_placements
    rows = {row.pk: row.open_count for row in staff_client.get(english(PLACEMENTS)).context["cl"].result_list}
    assert rows == {complete.pk: 0, open_.pk: 6}


def test_the_open_checklist_filter_keeps_the_count(staff_client, two_placements):
    _complete, open_ = two_placements
    rows = {
        row.pk: row.open_count
        for row in staff_client.get(english(PLACEMENTS), {"checklist": "open"}).context["cl"].result_list
    }
    assert rows == {open_.pk: 6}


def test_a_placement_opens_read_only_with_its_history(staff_client, working):
    response = staff_client.get(english("admin:placements_placement_change", working.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    page = response.content.decode()
    assert "Krasnoyarsk" in page
    assert (
        staff_client.post(
            english("admin:placements_placement_delete", working.pk), {"post": "yes"}
        ).status_code
        == 403
    )
    assert Placement.objects.filter(pk=working.pk).exists()


def test_the_lists_are_staff_only(client, two_placements):
    client.force_login(CandidateFactory().user)
    for name in (ENROLMENTS, PLACEMENTS):
        response = client.get(english(name))
        assert response.status_code == 302


def test_the_journey_link_is_on_each_placement_row(staff_client, two_placements):
    page = staff_client.get(english(PLACEMENTS)).content.decode()
    for placement in two_placements:
        assert f'href="{journey_url(placement.application_id)}"' in page


# --- A form acts only on this worker's records ------------------------------------------------


def test_a_phase_of_another_worker_cannot_be_started_from_this_page(staff_client, worker, program):
    other_language = phases_of(accept(program))[0]
    response = post(staff_client, worker, "start", enrolment=other_language.pk, starts_on="")
    assert response.status_code == 200
    form = next(f for f in response.context["forms"] if f.action == "start")
    assert list(form.errors) == ["enrolment"]
    other_language.refresh_from_db()
    assert other_language.status == EnrolmentStatus.PLANNED


def test_an_item_of_another_placement_cannot_be_confirmed_from_this_page(
    staff_client, placement, program, staff
):
    other = place(complete_training(accept(program), staff), staff)
    visa = other.checklist.get(item="visa")
    response = post(staff_client, placement.application, "checklist", item=visa.pk, confirmed_on="", note="")
    assert response.status_code == 200
    form = next(f for f in response.context["forms"] if f.action == "checklist")
    assert list(form.errors) == ["item"]
    visa.refresh_from_db()
    assert visa.is_open


def test_a_referral_of_another_worker_cannot_be_settled_from_this_page(
    staff_client, returned, program, staff
):
    services.placement_record_wish(placement=returned, wish="business", actor=staff)
    theirs = services.referral_create(placement=returned, kind="business_support", actor=staff)
    other = place(complete_training(accept(program), staff), staff)
    response = post(
        staff_client,
        other.application,
        "outcome",
        referral=theirs.pk,
        outcome="declined",
        outcome_on="",
        note="",
    )
    assert response.status_code == 200
    form = next(f for f in response.context["forms"] if f.action == "outcome")
    assert "referral" in form.errors
    theirs.refresh_from_db()
    assert theirs.outcome == ReferralOutcome.PENDING
