"""Helpers every placements service shares: who may act, locking, dates, notices."""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import role_of
from candidates.models import Application, Stage
from notifications.services import notification_queue
from p2mi_portal.errors import Conflict, Forbidden, NotFound
from p2mi_portal.transitions import Actor

from ..models import (
    Enrolment,
    Placement,
)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# Dates that plan years ahead (phases, contracts) are kept inside this century, so that
# adding months or travel days to them can never run past the calendar's end.
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)


def date_in_range(value: datetime.date) -> bool:
    return isinstance(value, datetime.date) and EARLIEST_DATE <= value <= LATEST_DATE


def out_of_range_message() -> str:
    return _("Give a date between %(earliest)s and %(latest)s.") % {
        "earliest": day_text(EARLIEST_DATE),
        "latest": day_text(LATEST_DATE),
    }


def day_text(value: datetime.date) -> str:
    return date_format(value, "DATE_FORMAT")


# --- Who may act ------------------------------------------------------------------------


def check_training_actor(actor: User | None, application: Application, *, moves_stage: bool = False) -> str:
    """Staff, the programme's employer, or a training partner of the programme.

    A training partner records results; what moves the worker's application (into
    training, out of it) is for staff and the employer, as in the stage table.
    """
    role = role_of(actor)
    if role in (Actor.STAFF, Actor.SYSTEM):
        return role
    if role == Actor.PARTNER and actor.partner_id is not None:
        program = application.program
        if program.employer_id == actor.partner_id:
            return role
        if program.supporting_partners.filter(pk=actor.partner_id).exists():
            if moves_stage:
                raise Forbidden(
                    _("Only the ministry or the employer can start a worker's training or end it.")
                )
            return role
    raise NotFound(_("Enrolment not found."))


def plain_number(value: Decimal) -> str:
    """70.00 → "70", 92.50 → "92.5": numbers as people write them in a sentence."""
    text = format(value.quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def check_placement_actor(actor: User | None, placement: Placement) -> str:
    role = role_of(actor)
    if role in (Actor.STAFF, Actor.SYSTEM):
        return role
    if role == Actor.PARTNER and actor.partner_id == placement.application.program.employer_id:
        return role
    raise NotFound(_("Placement not found."))


def _lock_application(application_id: int) -> None:
    """Lock the worker's application first, as the stage service does, then the record.

    Every service takes the application's row before a training or placement row, so a
    stage move (which locks the application, then closes the records) and a write of a
    record never wait on each other in opposite orders; and the stage read afterwards is
    the one that holds until the write commits.
    """
    list(Application.objects.select_for_update().filter(pk=application_id).values_list("pk", flat=True))


def locked_enrolment(enrolment: Enrolment) -> Enrolment:
    _lock_application(enrolment.application_id)
    return (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("phase", "application__program")
        .get(pk=enrolment.pk)
    )


def locked_placement(placement: Placement) -> Placement:
    _lock_application(placement.application_id)
    return (
        Placement.objects.select_for_update(of=("self",))
        .select_related("application__program", "application__candidate", "track")
        .get(pk=placement.pk)
    )


# --- At which stage -----------------------------------------------------------------------

# The stages of the application at which each kind of record may change.
TRAINING_PLANNING_STAGES = frozenset({Stage.ACCEPTED, Stage.IN_TRAINING})
TRAINING_STAGES = frozenset({Stage.IN_TRAINING})
# A certificate may arrive after the phase that earned it, even once training has ended.
CERTIFICATE_STAGES = frozenset({Stage.IN_TRAINING, Stage.PLACED, Stage.RETURNED, Stage.DISCONTINUED})
PLACEMENT_STAGES = frozenset({Stage.PLACED})


def require_stage(application: Application, stages: frozenset[str]) -> None:
    """Refuse a write of a training or placement record the application's stage does not allow."""
    if application.stage in stages:
        return
    allowed = ", ".join(f"“{Stage(stage).label}”" for stage in Stage if stage in stages)
    raise Conflict(
        _(
            "The worker's application is at “%(stage)s”, so this record cannot change; "
            "it changes only at %(allowed)s."
        )
        % {"stage": Stage(application.stage).label, "allowed": allowed},
        code="wrong_stage",
    )


def notify_worker(application: Application, kind: str, context: dict[str, Any]) -> None:
    notification_queue(
        recipient=application.candidate.user,
        kind=kind,
        context={"application_id": application.pk, "program_id": application.program_id, **context},
    )
