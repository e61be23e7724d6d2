"""The SVG builders and the panels: safe, well-formed markup with the numbers in the reader's language."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from django.utils import translation

from dashboard import charts, panels
from dashboard.selectors import StageMedian, TrackSeats

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - markup made by the code under test


def test_labels_are_escaped_and_the_chart_stays_well_formed():
    svg = parse(
        charts.bar_chart(
            [charts.Bar('<script>alert("x")</script> & co', 3, "3")], chart_id="chart-x", title="A & <b>"
        )
    )
    assert svg.find(f"{SVG}title").text == "A & <b>"
    label = svg.find(f"{SVG}text[@class='chart-label']").text
    assert label.startswith("<script>")  # text, not an element
    assert svg.find(f".//{SVG}script") is None


def test_the_largest_value_spans_the_width_and_zero_draws_nothing():
    assert charts.WIDTH == 360
    svg = parse(
        charts.bar_chart(
            [charts.Bar("a", 8, "8"), charts.Bar("b", 2, "2"), charts.Bar("c", 0, "0")],
            chart_id="c",
            title="t",
        )
    )
    assert [float(rect.get("width")) for rect in svg.iter(f"{SVG}rect")] == [360.0, 90.0, 0.0]
    assert svg.get("height") == str(3 * charts.ROW - charts.ROW_GAP)


def test_a_tiny_value_stays_visible():
    svg = parse(
        charts.bar_chart([charts.Bar("a", 100000, "x"), charts.Bar("b", 1, "y")], chart_id="c", title="t")
    )
    assert float(list(svg.iter(f"{SVG}rect"))[1].get("width")) == 1.0


def test_a_funnel_centres_its_bars():
    svg = parse(
        charts.funnel_chart([charts.Bar("a", 4, "4"), charts.Bar("b", 1, "1")], chart_id="c", title="t")
    )
    second = list(svg.iter(f"{SVG}rect"))[1]
    assert (float(second.get("x")), float(second.get("width"))) == (135.0, 90.0)


def test_long_labels_are_shortened_and_kept_whole_in_the_hover_title():
    long = "Teknik Instalasi Pemanfaatan Tenaga Listrik dan Otomasi Industri Bangunan Gedung"
    svg = parse(charts.bar_chart([charts.Bar(long, 1, "1.234.567")], chart_id="c", title="t"))
    shown = svg.find(f"{SVG}text[@class='chart-label']").text
    assert shown.endswith("…") and len(shown) < len(long)
    assert svg.find(f"{SVG}rect/{SVG}title").text == f"{long}: 1.234.567"


def test_stacked_bars_share_one_scale_and_skip_empty_segments():
    segments = [charts.Segment("taken", "seg-taken"), charts.Segment("free", "seg-free")]
    svg = parse(
        charts.stacked_bar_chart(
            [
                charts.StackedRow("A", [3, 1], ["3", "1"], "4"),
                charts.StackedRow("B", [0, 2], ["0", "2"], "2"),
            ],
            segments=segments,
            chart_id="c",
            title="t",
        )
    )
    rects = [
        (rect.get("class"), float(rect.get("x")), float(rect.get("width"))) for rect in svg.iter(f"{SVG}rect")
    ]
    assert rects == [("seg-taken", 0.0, 270.0), ("seg-free", 270.0, 90.0), ("seg-free", 0.0, 180.0)]
    assert svg.find(f"{SVG}desc").text == "A: taken 3, free 1; B: taken 0, free 2"


def test_nothing_to_draw_is_no_chart():
    assert charts.bar_chart([], chart_id="c", title="t") == ""
    assert charts.stacked_bar_chart([], segments=[], chart_id="c", title="t") == ""


def test_the_legend_names_each_colour():
    legend = charts.legend([charts.Segment("taken", "seg-taken"), charts.Segment("free & <x>", "seg-free")])
    assert '<span class="chart-swatch seg-taken" aria-hidden="true"></span>taken' in legend
    assert "free &amp; &lt;x&gt;" in legend


def test_panels_write_numbers_in_the_readers_language():
    stages = {"submitted": 1234567, "screening": 0}
    expected = {
        "id": (["1.234.567", "100,0%"], ["2,5", "1.500"], ["2.500", "1.200", "300", "1.000"]),
        "en": (["1,234,567", "100.0%"], ["2.5", "1,500"], ["2,500", "1,200", "300", "1,000"]),
    }
    for language, (funnel_row, medians_row, seats_row) in expected.items():
        with translation.override(language):
            funnel = panels.funnel(stages)
            medians = panels.medians([StageMedian("screening", 1500, 2.5)])
            seats = panels.seats([TrackSeats("Rusia", 2500, 1200, 300, 1000)])
        assert funnel.rows[0][1:] == funnel_row
        assert medians.rows[0][1:] == medians_row
        assert seats.rows[0][1:] == seats_row
        assert f">{funnel_row[0]}</text>" in funnel.chart


def test_the_top_provinces_are_drawn_and_the_rest_is_one_bar():
    rows = [(f"{n:02d}", f"Provinsi {n}", 100 - n) for n in range(11, 26)]
    with translation.override("en"):
        panel = panels.provinces(rows)
    assert len(panel.rows) == 15  # the table lists them all
    svg = parse(panel.chart)
    labels = [text.text for text in svg.iter(f"{SVG}text") if text.get("class") == "chart-label"]
    assert labels[:10] == [f"Provinsi {n}" for n in range(11, 21)]
    assert labels[10] == "Other provinces (5)"
    assert list(svg.iter(f"{SVG}text"))[-1].text == str(sum(100 - n for n in range(21, 26)))


def test_the_funnel_follows_the_pipeline_whatever_order_the_stored_counts_came_in():
    """PostgreSQL's jsonb keeps an object's keys sorted its own way, not as written."""
    with translation.override("en"):
        panel = panels.funnel({"withdrawn": 1, "submitted": 5, "screening": 2})
    assert [row[0] for row in panel.rows[:3]] == ["Submitted", "Screening", "Documents verified"]
    assert panel.rows[-3] == ["Withdrawn", "1", "12.5%"]
    assert panel.totals == ["All applications", "8", "100.0%"]
