"""Reads of programmes, each scoped to who may see them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Prefetch, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from p2mi_portal.errors import NotFound

from .models import (
    Currency,
    ExchangeRate,
    GradeLevel,
    Major,
    PlacementTrack,
    Program,
    ProgramStatus,
    TrainingPhase,
)


def program_list_public(
    *, destination: str = "", sector: str = "", today: datetime.date | None = None
) -> QuerySet[Program]:
    """Published programmes: recruiting now first, then opening soon, then closed."""
    today = today or timezone.localdate()
    recruitment_order = Case(
        When(recruitment_opens__gt=today, then=Value(1)),
        When(recruitment_closes__lt=today, then=Value(2)),
        default=Value(0),
    )
    programs = (
        Program.objects.public()
        .select_related("employer")
        .prefetch_related(Prefetch("tracks", queryset=PlacementTrack.objects.order_by("id")))
        .order_by(recruitment_order, "recruitment_closes", "code")
    )
    if destination:
        programs = programs.filter(destination_country=destination)
    if sector:
        programs = programs.filter(sector=sector)
    return programs


def public_destinations() -> list[str]:
    """Country codes that published programmes go to, for the list's filter."""
    return sorted(set(Program.objects.public().values_list("destination_country", flat=True)))


def public_sectors() -> list[str]:
    return sorted(set(Program.objects.public().values_list("sector", flat=True)))


def program_tracks(*, program: Program | int) -> QuerySet[PlacementTrack]:
    """The programme's placement tracks, in the order they were made: the only tracks an
    application, an offer, an import or a broadcast of the programme may name."""
    return PlacementTrack.objects.filter(program=program).order_by("id")


def track_in_program(*, track: PlacementTrack, program: Program | int) -> bool:
    """Whether ``track`` is one of :func:`program_tracks` (checked without a query)."""
    return track.program_id == (program if isinstance(program, int) else program.pk)


def program_get_public(*, code: str) -> Program:
    """A published programme with everything its public page shows."""
    program = (
        Program.objects.public()
        .select_related("employer")
        .prefetch_related(
            "supporting_partners",
            Prefetch("allowed_majors", queryset=Major.objects.order_by("name")),
            Prefetch("tracks", queryset=PlacementTrack.objects.order_by("id")),
            Prefetch("phases", queryset=TrainingPhase.objects.order_by("order")),
            Prefetch("grades", queryset=GradeLevel.objects.order_by("grade")),
        )
        .filter(code=code)
        .first()
    )
    if program is None:
        raise NotFound(_("Programme not found."))
    return program


@dataclass(frozen=True)
class SalaryLine:
    grade: int | None
    amount: Decimal
    amount_idr: Decimal | None


@dataclass(frozen=True)
class SalaryView:
    currency: str
    lines: list[SalaryLine]
    minimum: SalaryLine
    maximum: SalaryLine
    rate: ExchangeRate | None


def exchange_rates_latest(*, on: datetime.date | None = None) -> dict[str, ExchangeRate]:
    """The newest rate of every currency dated on or before ``on``, in one query."""
    on = on or timezone.localdate()
    rates: dict[str, ExchangeRate] = {}
    for rate in ExchangeRate.objects.filter(date__lte=on).order_by("currency", "-date"):
        rates.setdefault(rate.currency, rate)
    return rates


def program_salary(
    program: Program,
    *,
    on: datetime.date | None = None,
    rates: dict[str, ExchangeRate] | None = None,
) -> SalaryView:
    """The programme's pay in its own currency and in rupiah at the latest dated rate.

    Pass ``rates`` from :func:`exchange_rates_latest` when showing many programmes.
    """
    if rates is None:
        rates = exchange_rates_latest(on=on)
    rate = rates.get(program.salary_currency)

    def line(grade: int | None, amount: Decimal) -> SalaryLine:
        if program.salary_currency == Currency.IDR:
            return SalaryLine(grade, amount, amount)
        return SalaryLine(grade, amount, rate.to_idr(amount) if rate else None)

    return SalaryView(
        currency=program.salary_currency,
        lines=[line(g.grade, g.monthly_salary) for g in program.grades.all()],
        minimum=line(None, program.salary_min),
        maximum=line(None, program.salary_max),
        rate=rate,
    )


def programs_for_partner(*, partner_id: int) -> QuerySet[Program]:
    """The programmes a partner employs for, once they are out of draft."""
    return (
        Program.objects.filter(employer_id=partner_id)
        .exclude(status=ProgramStatus.DRAFT)
        .prefetch_related(Prefetch("tracks", queryset=PlacementTrack.objects.order_by("id")))
        .order_by("-recruitment_opens", "code")
    )


def program_for_partner(*, partner_id: int, code: str) -> Program:
    program = programs_for_partner(partner_id=partner_id).filter(code=code).first()
    if program is None:
        raise NotFound(_("Programme not found."))
    return program
