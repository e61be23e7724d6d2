"""Reads of training and placement, scoped to who is asking.

A programme's employer sees its workers' enrolments and placements; a training
institution the programme names as a supporting partner sees the enrolments only.
Anything else answers NotFound, the same as a missing row.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from candidates.models import Application
from p2mi_portal.errors import NotFound
from programs.models import ExchangeRate, Program, ProgramStatus
from programs.selectors import program_salary

from .models import Assessment, Certificate, Enrolment, Placement


def _programs_trained_by(partner_id: int) -> QuerySet[Program]:
    return (
        Program.objects.filter(Q(employer_id=partner_id) | Q(supporting_partners__id=partner_id))
        .exclude(status=ProgramStatus.DRAFT)
        .order_by()
    )


def enrolments_for_partner(*, partner_id: int, program_code: str | None = None) -> QuerySet[Enrolment]:
    programs = _programs_trained_by(partner_id)
    if program_code is not None:
        programs = programs.filter(code=program_code)
    return Enrolment.objects.filter(application__program_id__in=programs.values("id"))


def enrolment_for_partner(*, partner_id: int, enrolment_id: int) -> Enrolment:
    enrolment = (
        enrolments_for_partner(partner_id=partner_id)
        .select_related("phase", "application__program")
        .filter(pk=enrolment_id)
        .first()
    )
    if enrolment is None:
        raise NotFound(_("Enrolment not found."))
    return enrolment


def placements_for_partner(*, partner_id: int, program_code: str | None = None) -> QuerySet[Placement]:
    programs = Program.objects.filter(employer_id=partner_id).exclude(status=ProgramStatus.DRAFT).order_by()
    if program_code is not None:
        programs = programs.filter(code=program_code)
    return Placement.objects.filter(application__program_id__in=programs.values("id"))


def placement_for_partner(*, partner_id: int, placement_id: int) -> Placement:
    placement = (
        placements_for_partner(partner_id=partner_id)
        .select_related("application__program", "track", "employer")
        .filter(pk=placement_id)
        .first()
    )
    if placement is None:
        raise NotFound(_("Placement not found."))
    return placement


def enrolments_with_results(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    return enrolments.select_related("phase", "application__program").prefetch_related(
        Prefetch("assessments", queryset=Assessment.objects.order_by("taken_on", "id")),
        Prefetch("certificates", queryset=Certificate.objects.order_by("issued_on", "id")),
    )


# --- Pay ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pay:
    grade: int
    currency: str
    monthly: Decimal
    monthly_idr: Decimal | None
    rate: ExchangeRate | None


def placement_pay(placement: Placement, *, on: datetime.date | None = None) -> Pay | None:
    """The worker's monthly pay at the current grade, in the programme's currency and in rupiah.

    The rupiah figure uses the newest rate dated on or before ``on`` (today by default),
    and names that rate so the reader knows how old it is.
    """
    if placement.grade is None:
        return None
    salary = program_salary(placement.application.program, on=on or timezone.localdate())
    line = next((line for line in salary.lines if line.grade == placement.grade), None)
    if line is None:
        return None
    return Pay(line.grade, salary.currency, line.amount, line.amount_idr, salary.rate)


# --- A worker's whole journey, for staff --------------------------------------------------


@dataclass
class Journey:
    application: Application
    events: list = field(default_factory=list)
    enrolments: list = field(default_factory=list)
    placement: Placement | None = None
    placement_events: list = field(default_factory=list)
    grade_changes: list = field(default_factory=list)
    checklist: list = field(default_factory=list)
    referrals: list = field(default_factory=list)
    pay: Pay | None = None


JOURNEY_PERMISSIONS = ("placements.view_placement", "placements.change_placement")


def can_view_journeys(user: User | None) -> bool:
    """Active ministry staff allowed to look at placements (viewing or changing them)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_ministry_staff
        and any(user.has_perm(permission) for permission in JOURNEY_PERMISSIONS)
    )


def worker_journey(*, actor: User | None, application_id: int) -> Journey:
    """Everything staff follow for one worker: stages, training, placement, grades, checklist, referrals.

    For staff who may not look at placements, as if the application did not exist.
    """
    if not can_view_journeys(actor):
        raise NotFound(_("Application not found."))
    application = (
        Application.objects.select_related("program", "candidate", "candidate__user", "track")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise NotFound(_("Application not found."))
    journey = Journey(
        application=application,
        events=list(application.events.select_related("actor").order_by("created_at", "id")),
        enrolments=list(enrolments_with_results(application.enrolments.order_by("phase__order"))),
    )
    placement = Placement.objects.filter(application=application).select_related("employer", "track").first()
    if placement is not None:
        placement.application = application
        journey.placement = placement
        journey.placement_events = list(placement.events.select_related("actor").order_by("created_at", "id"))
        journey.grade_changes = list(
            placement.grade_changes.select_related("actor").order_by("effective_on", "id")
        )
        journey.checklist = list(placement.checklist.select_related("confirmed_by").order_by("id"))
        journey.referrals = list(placement.referrals.select_related("partner").order_by("referred_on", "id"))
        journey.pay = placement_pay(placement)
    return journey
