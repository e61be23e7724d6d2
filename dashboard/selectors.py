"""Reads for the staff dashboard: one function per figure, each one aggregate query for one programme.

Only ministry staff with the permission to view applications see the dashboard
(:func:`dashboard_allowed`); every figure is scoped to the programme given.

Two kinds of figure:

- *live*, read at every page view: seats per track, training progress, placements by status
  and complaints. They count rows bounded by the programme's seats (or its complaints), so
  they stay fast however many people applied;
- *stored*, read from :class:`dashboard.models.ProgramFigures`: applications by stage, by
  province and by major, and the median days per stage. They read every application (and
  every move), so a background job computes them (``dashboard.services``).
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Q, Window
from django.db.models.functions import Lead
from django.utils.translation import gettext as _

from accounts.models import User
from candidates.models import Application, ApplicationEvent, Stage
from complaints.models import OPEN_STATUSES, Complaint, ComplaintStatus
from p2mi_portal.errors import NotFound
from placements.models import Enrolment, EnrolmentStatus, Placement, PlacementStatus
from programs.models import Program, TrainingPhase
from programs.selectors import program_tracks

from .models import ProgramFigures

# Counting a programme's applications is reading applications: whoever may view them may see the
# counts. Staff get it with the "Ministry staff" group.
PERMISSION = "candidates.view_application"


def dashboard_allowed(user: User) -> bool:
    return bool(user.is_authenticated and user.is_ministry_staff and user.has_perm(PERMISSION))


@dataclass(frozen=True)
class ProgramRow:
    program: Program
    figures: ProgramFigures | None


def dashboard_programs(*, actor: User) -> list[ProgramRow]:
    """Every programme with its stored figures (if computed yet), newest recruitment first."""
    if not dashboard_allowed(actor):
        return []
    programs = Program.objects.select_related("dashboard_figures").defer("dashboard_figures__figures")
    return [
        ProgramRow(program, getattr(program, "dashboard_figures", None))
        for program in programs.order_by("-recruitment_opens", "code")
    ]


def dashboard_program(*, actor: User, program_id: int) -> ProgramRow:
    """One programme with its stored figures; NotFound when missing or not the actor's to see."""
    program = (
        Program.objects.select_related("dashboard_figures").filter(pk=program_id).first()
        if dashboard_allowed(actor)
        else None
    )
    if program is None:
        raise NotFound(_("Programme not found."))
    return ProgramRow(program, getattr(program, "dashboard_figures", None))


# --- Live figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackSeats:
    name: str
    seats: int
    taken: int
    reserved: int
    free: int


def seats_by_track(*, program_id: int) -> list[TrackSeats]:
    """Seats taken, reserved by open offers and free on each track: the counters the selection
    service keeps under a row lock (``PlacementTrack.seats_free``)."""
    return [
        TrackSeats(str(track), track.seats, track.seats_taken, track.seats_reserved, track.seats_free)
        for track in program_tracks(program=program_id)
    ]


ENROLMENT_ORDER = (
    EnrolmentStatus.PASSED,
    EnrolmentStatus.IN_PROGRESS,
    EnrolmentStatus.PLANNED,
    EnrolmentStatus.FAILED,
    EnrolmentStatus.DISCONTINUED,
)


@dataclass(frozen=True)
class PhaseProgress:
    order: int
    title: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def training_progress(*, program_id: int) -> list[PhaseProgress]:
    """Workers in each training phase by the status of their enrolment, in phase order."""
    rows = (
        Enrolment.objects.filter(application__program_id=program_id)
        .values("phase__order", "phase__title", "phase__title_en")
        .annotate(**{status.value: Count("id", filter=Q(status=status)) for status in ENROLMENT_ORDER})
        .order_by("phase__order")
    )
    return [
        PhaseProgress(
            order=row["phase__order"],
            title=TrainingPhase(title=row["phase__title"], title_en=row["phase__title_en"]).localized(
                "title"
            ),
            counts={status.value: row[status.value] for status in ENROLMENT_ORDER},
        )
        for row in rows
    ]


def placements_by_status(*, program_id: int) -> dict[str, int]:
    """Placements (contracts) of the programme per status; every status, zero when none."""
    counts = dict(
        Placement.objects.filter(application__program_id=program_id)
        .values_list("status")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {status.value: counts.get(status.value, 0) for status in PlacementStatus}


@dataclass(frozen=True)
class ComplaintCounts:
    status: str
    total: int
    overdue: int


def complaints_by_status(*, program_id: int, now: datetime.datetime) -> list[ComplaintCounts]:
    """Complaints about the programme per status, with how many of the open ones are past due."""
    rows = {
        row["status"]: row
        for row in Complaint.objects.filter(program_id=program_id)
        .values("status")
        .annotate(
            total=Count("id"),
            overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
        )
        .order_by()
    }
    return [
        ComplaintCounts(
            status.value,
            rows.get(status.value, {}).get("total", 0),
            rows.get(status.value, {}).get("overdue", 0),
        )
        for status in ComplaintStatus
    ]


# --- Stored figures: computed by the background job --------------------------------------------


def applications_by_stage(*, program_id: int) -> dict[str, int]:
    """The funnel: the programme's applications at each stage, every stage, zero when none."""
    counts = dict(
        Application.objects.filter(program_id=program_id)
        .values_list("stage")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {stage.value: counts.get(stage.value, 0) for stage in Stage}


def applicants_by_province(*, program_id: int) -> list[tuple[str | None, str | None, int]]:
    """(province code, name, applications) by the applicant's province, most first; no province: None."""
    rows = (
        Application.objects.filter(program_id=program_id)
        .values_list("candidate__province_id", "candidate__province__name")
        .annotate(count=Count("id"))
        .order_by()
    )
    return sorted(rows, key=lambda row: (-row[2], row[1] is None, row[1] or ""))


def applicants_by_major(*, program_id: int) -> list[tuple[int | None, str | None, str | None, int]]:
    """(major id, name, English name, applications) by the applicant's SMK major, most first."""
    rows = (
        Application.objects.filter(program_id=program_id)
        .values_list("candidate__major_id", "candidate__major__name", "candidate__major__name_en")
        .annotate(count=Count("id"))
        .order_by()
    )
    return sorted(rows, key=lambda row: (-row[3], row[1] is None, row[1] or ""))


@dataclass(frozen=True)
class StageMedian:
    stage: str
    stays: int
    days: float


def stage_medians(*, program_id: int) -> list[StageMedian]:
    """For each stage, the median time (days) between entering it and leaving it, over the
    programme's applications that have left it, in pipeline order.

    A stay runs from the move into a stage to the application's next move to another stage
    (rescheduling an interview is a move to the same stage and does not end the stay). Stages
    no application has left yet are not listed.
    """
    if connection.vendor == "postgresql":
        medians = _stage_medians_postgres(program_id)
    else:
        medians = _stage_medians_portable(program_id)
    order = {stage.value: index for index, stage in enumerate(Stage)}
    return sorted(medians, key=lambda median: order.get(median.stage, len(order)))


def _days(seconds: float) -> float:
    return round(seconds / 86400, 4)


def _stays():
    events = ApplicationEvent.objects.exclude(from_stage=F("to_stage"))
    return events.annotate(
        left_at=Window(
            Lead("created_at"), partition_by=F("application_id"), order_by=[F("created_at"), F("id")]
        )
    )


def _stage_medians_portable(program_id: int) -> list[StageMedian]:
    """One query returns every finished stay; the medians are taken in Python (SQLite has no
    percentile function)."""
    durations: dict[str, list[float]] = defaultdict(list)
    stays = (
        _stays()
        .filter(application__program_id=program_id, left_at__isnull=False)
        .values_list("to_stage", "created_at", "left_at")
        .order_by()
    )
    for stage, entered, left in stays:
        durations[stage].append((left - entered).total_seconds())
    return [
        StageMedian(stage, len(seconds), _days(statistics.median(seconds)))
        for stage, seconds in durations.items()
    ]


def _stage_medians_postgres(program_id: int) -> list[StageMedian]:
    """One query: each stay's length from LEAD over the application's moves, and the median per
    stage by ``percentile_cont`` (the same definition as ``statistics.median``)."""
    event, application = ApplicationEvent._meta.db_table, Application._meta.db_table
    # Table names come from the models; the programme is a parameter.
    sql = f"""
        SELECT stage, COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds)
        FROM (
            SELECT e.to_stage AS stage,
                   EXTRACT(EPOCH FROM LEAD(e.created_at) OVER (
                       PARTITION BY e.application_id ORDER BY e.created_at, e.id
                   ) - e.created_at) AS seconds
            FROM {event} e JOIN {application} a ON a.id = e.application_id
            WHERE a.program_id = %s AND e.from_stage <> e.to_stage
        ) AS stays
        WHERE seconds IS NOT NULL
        GROUP BY stage
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [program_id])
        return [
            StageMedian(stage, stays, _days(float(seconds))) for stage, stays, seconds in cursor.fetchall()
        ]
