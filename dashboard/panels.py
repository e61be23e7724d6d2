"""The dashboard's panels: each figure as a chart and a table with the same numbers.

Numbers are written for the reader's language here (Indonesian: 12.345 and 9,5; English:
12,345 and 9.5), in the chart as in its table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from candidates.models import FINISHED_STAGES, Stage
from complaints.models import OPEN_STATUSES, ComplaintStatus
from placements.models import EnrolmentStatus, PlacementStatus
from programs.models import Major

from . import charts
from .selectors import ENROLMENT_ORDER, ComplaintCounts, PhaseProgress, StageMedian, TrackSeats

# Provinces and majors beyond these are one "other" bar in the chart (the table lists them all).
CHART_TOP = 10


@dataclass
class Panel:
    key: str
    title: str
    columns: list[str]
    rows: list[list[str]]  # the first cell of a row names it
    chart: SafeString = field(default_factory=lambda: mark_safe(""))
    legend: SafeString = field(default_factory=lambda: mark_safe(""))
    totals: list[str] | None = None
    empty: str = ""
    note: str = ""


def whole(value: int) -> str:
    return number_format(value, force_grouping=True)


def one_decimal(value: float) -> str:
    return number_format(round(value, 1), decimal_pos=1, force_grouping=True)


def share(part: int, total: int) -> str:
    return _("%(percent)s%%") % {"percent": one_decimal(100 * part / total if total else 0)}


def _stage_label(stage: str) -> str:
    return str(Stage(stage).label) if stage in Stage.values else stage


def funnel(counts: dict[str, int]) -> Panel:
    # In pipeline order, whatever order the stored JSON kept (PostgreSQL's jsonb sorts its keys).
    stages = {stage.value: counts.get(stage.value, 0) for stage in Stage}
    total = sum(stages.values())
    bars = [
        charts.Bar(
            _stage_label(stage),
            count,
            whole(count),
            "bar bar-exit" if stage in FINISHED_STAGES or stage == Stage.WAITLISTED else "bar",
        )
        for stage, count in stages.items()
        if count or stage not in FINISHED_STAGES
    ]
    title = _("Applications by stage")
    return Panel(
        key="funnel",
        title=title,
        columns=[_("Stage"), _("Applications"), _("Share")],
        rows=[[_stage_label(stage), whole(count), share(count, total)] for stage, count in stages.items()],
        totals=[_("All applications"), whole(total), share(total, total)],
        chart=charts.funnel_chart(bars, chart_id="chart-funnel", title=title) if total else mark_safe(""),
        empty=_("No applications yet."),
        note=_("Grey bars: waiting lists and applications that left the selection or training."),
    )


SEAT_SEGMENTS = ("taken", "reserved", "free")


def seats(tracks: Sequence[TrackSeats]) -> Panel:
    segments = [
        charts.Segment(_("taken"), "seg-taken"),
        charts.Segment(_("reserved by an open offer"), "seg-reserved"),
        charts.Segment(_("free"), "seg-free"),
    ]
    title = _("Seats per track")
    rows = [
        charts.StackedRow(
            track.name,
            [track.taken, track.reserved, track.free],
            [whole(track.taken), whole(track.reserved), whole(track.free)],
            _("%(seats)s seats") % {"seats": whole(track.seats)},
        )
        for track in tracks
    ]
    return Panel(
        key="seats",
        title=title,
        columns=[_("Track"), _("Seats"), _("Taken"), _("Reserved"), _("Free")],
        rows=[
            [track.name, whole(track.seats), whole(track.taken), whole(track.reserved), whole(track.free)]
            for track in tracks
        ],
        totals=[
            _("All tracks"),
            *(whole(sum(getattr(t, name) for t in tracks)) for name in ("seats", *SEAT_SEGMENTS)),
        ],
        chart=charts.stacked_bar_chart(rows, segments=segments, chart_id="chart-seats", title=title),
        legend=charts.legend(segments),
        empty=_("The programme has no placement tracks."),
    )


def medians(stays: Sequence[StageMedian]) -> Panel:
    title = _("Median days per stage")

    def days(value: float) -> str:
        return _("%(days)s days") % {"days": one_decimal(value)}

    bars = [charts.Bar(_stage_label(median.stage), median.days, days(median.days)) for median in stays]
    return Panel(
        key="medians",
        title=title,
        columns=[_("Stage"), _("Median days"), _("Stays measured")],
        rows=[[_stage_label(m.stage), one_decimal(m.days), whole(m.stays)] for m in stays],
        chart=charts.bar_chart(bars, chart_id="chart-medians", title=title),
        empty=_("No application has moved on from a stage yet."),
        note=_(
            "From entering a stage to the next move to another stage, over the applications "
            "that have left it."
        ),
    )


def training(phases: Sequence[PhaseProgress]) -> Panel:
    labels = {status.value: str(status.label) for status in EnrolmentStatus}
    segments = [charts.Segment(labels[status], f"seg-{status.value}") for status in ENROLMENT_ORDER]
    title = _("Training progress")
    rows = [
        charts.StackedRow(
            phase.title,
            [phase.counts[status] for status in ENROLMENT_ORDER],
            [whole(phase.counts[status]) for status in ENROLMENT_ORDER],
            _("%(workers)s workers") % {"workers": whole(phase.total)},
        )
        for phase in phases
    ]
    return Panel(
        key="training",
        title=title,
        columns=[_("Phase"), *(labels[status] for status in ENROLMENT_ORDER), _("Workers")],
        rows=[
            [phase.title, *(whole(phase.counts[status]) for status in ENROLMENT_ORDER), whole(phase.total)]
            for phase in phases
        ],
        chart=charts.stacked_bar_chart(rows, segments=segments, chart_id="chart-training", title=title),
        legend=charts.legend(segments),
        empty=_("No one is enrolled in training yet: workers are enrolled when they accept a seat."),
    )


def placements(counts: dict[str, int]) -> Panel:
    total = sum(counts.values())
    title = _("Placements by status")
    labels = {status.value: str(status.label) for status in PlacementStatus}
    bars = [charts.Bar(labels[status], count, whole(count)) for status, count in counts.items()]
    return Panel(
        key="placements",
        title=title,
        columns=[_("Status"), _("Placements")],
        rows=[[labels[status], whole(count)] for status, count in counts.items()],
        totals=[_("All placements"), whole(total)],
        chart=charts.bar_chart(bars, chart_id="chart-placements", title=title) if total else mark_safe(""),
        empty=_("No placements yet."),
    )


def _ranked(key: str, title: str, heading: str, other: str, rows: list[tuple[str, int]], empty: str) -> Panel:
    total = sum(count for _label, count in rows)
    top, rest = rows[:CHART_TOP], rows[CHART_TOP:]
    bars = [charts.Bar(label, count, whole(count)) for label, count in top]
    if rest:
        rest_count = sum(count for _label, count in rest)
        bars.append(charts.Bar(other % {"count": len(rest)}, rest_count, whole(rest_count), "bar bar-exit"))
    return Panel(
        key=key,
        title=title,
        columns=[heading, _("Applications"), _("Share")],
        rows=[[label, whole(count), share(count, total)] for label, count in rows],
        totals=[_("All applications"), whole(total), share(total, total)],
        chart=charts.bar_chart(bars, chart_id=f"chart-{key}", title=title) if total else mark_safe(""),
        empty=empty,
    )


def provinces(rows: Sequence[Sequence]) -> Panel:
    return _ranked(
        "provinces",
        _("Applicants by province"),
        _("Province"),
        _("Other provinces (%(count)s)"),
        [(name or _("Not given"), count) for _code, name, count in rows],
        _("No applications yet."),
    )


def majors(rows: Sequence[Sequence]) -> Panel:
    return _ranked(
        "majors",
        _("Applicants by SMK major"),
        _("Major"),
        _("Other majors (%(count)s)"),
        [
            (Major(name=name, name_en=name_en or "").localized("name") if name else _("Not given"), count)
            for _id, name, name_en, count in rows
        ],
        _("No applications yet."),
    )


def _overdue_chart(rows: Sequence[tuple[str, int, int]], *, chart_id: str, title: str) -> tuple[str, str]:
    """A bar per (label, open, overdue), split into overdue and within the deadline, and its
    legend; nothing when no complaint is open."""
    if not any(open_count for _label, open_count, _overdue in rows):
        return mark_safe(""), mark_safe("")
    segments = [
        charts.Segment(_("overdue"), "seg-overdue"),
        charts.Segment(_("within the deadline"), "seg-due"),
    ]
    bars = [
        charts.StackedRow(
            label,
            [overdue, open_count - overdue],
            [whole(overdue), whole(open_count - overdue)],
            whole(open_count),
        )
        for label, open_count, overdue in rows
    ]
    return charts.stacked_bar_chart(bars, segments=segments, chart_id=chart_id, title=title), charts.legend(
        segments
    )


def complaints(counts: Sequence[ComplaintCounts]) -> Panel:
    labels = {status.value: str(status.label) for status in ComplaintStatus}
    open_counts = [row for row in counts if row.status in OPEN_STATUSES]
    open_total = sum(row.total for row in open_counts)
    overdue_total = sum(row.overdue for row in open_counts)
    title = _("Open complaints")
    chart, legend = _overdue_chart(
        [(labels[row.status], row.total, row.overdue) for row in open_counts],
        chart_id="chart-complaints",
        title=title,
    )
    return Panel(
        key="complaints",
        title=title,
        columns=[_("Status"), _("Complaints"), _("Overdue")],
        rows=[
            [labels[row.status], whole(row.total), whole(row.overdue) if row.status in OPEN_STATUSES else "—"]
            for row in counts
        ],
        totals=[_("Open"), whole(open_total), whole(overdue_total)],
        chart=chart,
        legend=legend,
        empty=_("No complaints about this programme."),
        note=_("%(open)s open, %(overdue)s of them past their deadline.")
        % {"open": whole(open_total), "overdue": whole(overdue_total)},
    )


@dataclass(frozen=True)
class OpenComplaints:
    """Open complaints of one programme, or of none (``label`` says which)."""

    label: str
    open: int
    overdue: int


def complaints_by_program(counts: Sequence[OpenComplaints]) -> Panel:
    open_total = sum(row.open for row in counts)
    overdue_total = sum(row.overdue for row in counts)
    title = _("Open complaints by programme")
    chart, legend = _overdue_chart(
        [(row.label, row.open, row.overdue) for row in counts if row.open],
        chart_id="chart-complaints-by-programme",
        title=title,
    )
    return Panel(
        key="complaints-by-programme",
        title=title,
        columns=[_("Programme"), _("Open"), _("Overdue")],
        rows=[[row.label, whole(row.open), whole(row.overdue)] for row in counts],
        totals=[_("All open complaints"), whole(open_total), whole(overdue_total)],
        chart=chart,
        legend=legend,
        empty=_("No open complaints."),
        note=_(
            "%(open)s open, %(overdue)s of them past their deadline. Programmes without open "
            "complaints are not listed; complaints that name no application are about no programme."
        )
        % {"open": whole(open_total), "overdue": whole(overdue_total)},
    )
