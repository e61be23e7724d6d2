"""Small charts drawn on the server as SVG: no JavaScript, nothing from a CDN.

Each builder returns safe markup: an ``<svg role="img">`` named by its ``<title>`` and described
by a ``<desc>`` that reads out every number, with a ``<title>`` on each bar for a pointer's
hover. Colours come from CSS classes (``dashboard/dashboard.css``). The drawing is 360 units
wide and scales to its box (``viewBox``): a row is a label with its number at the right end,
and the bar below it across the whole width, so long labels fit a phone as well as a desktop.
Every chart on the page is accompanied by a table with the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH = 360
LABEL_HEIGHT = 17  # the label's line; the text sits on its baseline at 13
BAR_HEIGHT = 11
ROW_GAP = 7
ROW = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
CHARACTER = 7.1  # the average width of a character of the 13-unit label font, to shorten long labels


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the reader sees it, localised
    css: str = "bar"


@dataclass(frozen=True)
class Segment:
    label: str
    css: str


@dataclass(frozen=True)
class StackedRow:
    label: str
    values: Sequence[int]  # one per segment, in the order of the segments
    texts: Sequence[str]  # the values as the reader sees them
    total_text: str


def _shortened(label: str, room: float) -> str:
    fits = max(int(room / CHARACTER), 4)
    return label if len(label) <= fits else label[: fits - 1].rstrip() + "…"


def _svg(chart_id: str, title: str, description: str, rows: int, body: list[SafeString]) -> SafeString:
    height = rows * ROW - ROW_GAP
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="dashboard-chart" viewBox="0 0 {width} {height}" '
        'width="{width}" height="{height}" role="img" aria-labelledby="{id}-title {id}-desc">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{description}</desc>{body}</svg>',
        width=WIDTH,
        height=height,
        id=chart_id,
        title=title,
        description=description,
        body=mark_safe("".join(body)),  # noqa: S308 - every piece comes from format_html
    )


def _row_head(index: int, label: str, text: str) -> SafeString:
    """The label at the left and the number at the right end of a row's first line."""
    baseline = index * ROW + 13
    room = WIDTH - len(text) * CHARACTER - 8
    return format_html(
        '<text class="chart-label" x="0" y="{y}">{label}</text>'
        '<text class="chart-value" x="{width}" y="{y}" text-anchor="end">{text}</text>',
        y=baseline,
        label=_shortened(label, room),
        width=WIDTH,
        text=text,
    )


def _rect(css: str, x: float, index: int, width: float, hover: str) -> SafeString:
    return format_html(
        '<rect class="{css}" x="{x}" y="{y}" width="{width}" height="{height}"><title>{hover}</title></rect>',
        css=css,
        x=f"{x:.1f}",
        y=index * ROW + LABEL_HEIGHT,
        width=f"{width:.1f}",
        height=BAR_HEIGHT,
        hover=hover,
    )


def _length(value: float, peak: float) -> float:
    if value <= 0 or peak <= 0:
        return 0.0
    return max(value / peak * WIDTH, 1.0)  # a non-zero value stays visible


def bar_chart(bars: Sequence[Bar], *, chart_id: str, title: str, centred: bool = False) -> SafeString:
    """Horizontal bars, one per row, the longest across the full width. ``centred`` draws each
    bar around the middle, a funnel when the rows follow a process."""
    if not bars:
        return mark_safe("")
    peak = max(bar.value for bar in bars)
    body = []
    for index, bar in enumerate(bars):
        length = _length(bar.value, peak)
        x = (WIDTH - length) / 2 if centred else 0.0
        body.append(_row_head(index, bar.label, bar.text))
        body.append(_rect(bar.css, x, index, length, f"{bar.label}: {bar.text}"))
    description = "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    return _svg(chart_id, title, description, len(bars), body)


def funnel_chart(bars: Sequence[Bar], *, chart_id: str, title: str) -> SafeString:
    return bar_chart(bars, chart_id=chart_id, title=title, centred=True)


def stacked_bar_chart(
    rows: Sequence[StackedRow], *, segments: Sequence[Segment], chart_id: str, title: str
) -> SafeString:
    """One bar per row split into its segments, e.g. a track's seats taken, reserved and free.
    Bars share one scale: the largest row total spans the width."""
    if not rows:
        return mark_safe("")
    peak = max(sum(row.values) for row in rows)
    body, descriptions = [], []
    for index, row in enumerate(rows):
        body.append(_row_head(index, row.label, row.total_text))
        x = 0.0
        for segment, value, text in zip(segments, row.values, row.texts, strict=True):
            length = _length(value, peak)
            if length:
                body.append(_rect(segment.css, x, index, length, f"{row.label} · {segment.label}: {text}"))
            x += length
        parts = ", ".join(
            f"{segment.label} {text}" for segment, text in zip(segments, row.texts, strict=True)
        )
        descriptions.append(f"{row.label}: {parts}")
    return _svg(chart_id, title, "; ".join(descriptions), len(rows), body)


def legend(segments: Sequence[Segment]) -> SafeString:
    """The key to a stacked chart's colours, as an HTML list (it wraps on a narrow screen)."""
    items = format_html_join(
        "",
        '<li><span class="chart-swatch {}" aria-hidden="true"></span>{}</li>',
        ((segment.css, segment.label) for segment in segments),
    )
    return format_html('<ul class="chart-legend">{}</ul>', items)
