"""The dashboard pages: who may see them, every figure in their tables, the charts, the query count.

The figures are those of the hand-built programme in ``conftest.py``; ``test_figures.py`` checks
the selectors, these tests what staff read on the page (English at ``/en/``, Indonesian at ``/``).
"""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from candidates.models import Stage
from dashboard import services
from dashboard.models import ProgramFigures
from tests.accounts.factories import StaffFactory
from tests.candidates.factories import CandidateFactory, application_at

from .conftest import complain, enrol, moves_write, place, view_permission

pytestmark = pytest.mark.usefixtures("other_program")

SVG = "{http://www.w3.org/2000/svg}"


def url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name, args=args)


class _Tables(HTMLParser):
    """Every <table id=…> of a page as rows of cell texts (header and footer rows included)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = dict(attrs).get("id")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(response) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.tables


def charts(response) -> dict[str, ET.Element]:
    """Every chart of the page, parsed as XML (so it must be well-formed), by its id."""
    found = {}
    for markup in re.findall(
        r'<svg [^>]*class="dashboard-chart".*?</svg>', response.content.decode(), flags=re.DOTALL
    ):
        svg = ET.fromstring(markup)  # noqa: S314 - the page's own markup
        found[svg.find(f"{SVG}title").get("id").removesuffix("-title")] = svg
    return found


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def page(staff_client, program):
    return staff_client.get(url("dashboard:program", program.pk))


# --- Who may see it ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "candidate_user", "partner_user"])
def test_people_outside_the_ministry_are_sent_to_the_admin_log_in(client, request, program, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    for address in (url("dashboard:index"), url("dashboard:program", program.pk)):
        for response in (client.get(address), client.post(address)):
            assert response.status_code == 302
            assert response["Location"].startswith(url("admin:login") + "?next=")
    assert not ProgramFigures.objects.exists()


def test_staff_without_the_permission_to_view_applications_are_refused(
    client, staff_without_permission, program
):
    client.force_login(staff_without_permission)
    for address in (url("dashboard:index"), url("dashboard:program", program.pk)):
        assert client.get(address).status_code == 403
        assert client.post(address).status_code in (403, 405)
    assert not ProgramFigures.objects.exists()


def test_the_permission_is_what_opens_it(client, staff_without_permission, program):
    staff_without_permission.user_permissions.add(view_permission())
    client.force_login(staff_without_permission)
    assert client.get(url("dashboard:program", program.pk)).status_code == 200


def test_an_inactive_staff_member_is_refused(client, program):
    gone = StaffFactory(is_active=False)
    client.force_login(gone)
    assert client.get(url("dashboard:program", program.pk)).status_code == 302


def test_staff_see_the_picker_and_the_dashboard_in_both_languages(staff_client, program):
    for language in ("id", "en"):
        assert staff_client.get(url("dashboard:index", language=language)).status_code == 200
        assert staff_client.get(url("dashboard:program", program.pk, language=language)).status_code == 200


def test_a_missing_programme_is_not_found(staff_client, program):
    assert staff_client.get(url("dashboard:program", 987654)).status_code == 404
    assert staff_client.get("/en/admin/dashboard/abc/").status_code == 404


def test_other_methods_are_refused(staff_client, program):
    assert staff_client.put(url("dashboard:program", program.pk)).status_code == 405
    assert staff_client.post(url("dashboard:index")).status_code == 405


def test_the_admin_home_links_to_the_dashboard_for_those_who_may_see_it(
    client, staff, staff_without_permission
):
    client.force_login(staff)
    for language in ("id", "en"):
        home = client.get(url("admin:index", language=language)).content.decode()
        assert f'href="{url("dashboard:index", language=language)}"' in home
    client.force_login(staff_without_permission)
    assert url("dashboard:index") not in client.get(url("admin:index")).content.decode()


# --- The picker ---------------------------------------------------------------------------------


def test_the_picker_lists_every_programme_with_its_counted_applications(staff_client, program, other_program):
    services.program_figures_refresh(program_id=program.pk)
    response = staff_client.get(url("dashboard:index"))
    rows = {row[0]: row for row in tables(response)["programmes"][1:]}
    assert rows[str(program)][1:4] == ["Selection", "Nov. 1, 2026", "32"]
    assert rows[str(other_program)][3] == "—"  # not counted yet
    page = response.content.decode()
    assert f'href="{url("dashboard:program", program.pk)}"' in page
    assert f'href="{url("dashboard:program", other_program.pk)}"' in page


# --- Every figure in its table -------------------------------------------------------------------


def test_the_funnel_table(page):
    assert tables(page)["table-funnel"] == [
        ["Stage", "Applications", "Share"],
        ["Submitted", "4", "12.5%"],
        ["Screening", "3", "9.4%"],
        ["Documents verified", "2", "6.2%"],
        ["Shortlisted", "2", "6.2%"],
        ["Interview scheduled", "1", "3.1%"],
        ["Interviewed", "2", "6.2%"],
        ["Offered a seat", "2", "6.2%"],
        ["Accepted", "1", "3.1%"],
        ["In training", "3", "9.4%"],
        ["Placed under contract", "2", "6.2%"],
        ["Returned home", "1", "3.1%"],
        ["Waitlisted", "1", "3.1%"],
        ["Declined", "1", "3.1%"],
        ["Rejected", "3", "9.4%"],
        ["Withdrawn", "1", "3.1%"],
        ["Not eligible", "2", "6.2%"],
        ["Discontinued", "1", "3.1%"],
        ["All applications", "32", "100.0%"],
    ]


def test_the_median_days_table(page):
    assert tables(page)["table-medians"] == [
        ["Stage", "Median days", "Stays measured"],
        ["Submitted", "2.0", "5"],
        ["Screening", "3.1", "4"],
        ["Documents verified", "2.0", "1"],
        ["Shortlisted", "1.0", "1"],
        ["Interview scheduled", "3.0", "1"],
        ["Rejected", "2.0", "1"],
    ]


def test_the_province_table(page):
    assert tables(page)["table-provinces"] == [
        ["Province", "Applications", "Share"],
        ["DKI Jakarta", "13", "40.6%"],
        ["Jawa Barat", "9", "28.1%"],
        ["Jawa Timur", "7", "21.9%"],
        ["Not given", "3", "9.4%"],
        ["All applications", "32", "100.0%"],
    ]


def test_the_major_table_names_majors_in_the_readers_language(staff_client, program):
    english = tables(staff_client.get(url("dashboard:program", program.pk)))["table-majors"]
    assert english == [
        ["Major", "Applications", "Share"],
        ["Welding and Metal Fabrication", "15", "46.9%"],
        ["Machining", "9", "28.1%"],
        ["Hospitality", "6", "18.8%"],
        ["Not given", "2", "6.2%"],
        ["All applications", "32", "100.0%"],
    ]
    indonesian = tables(staff_client.get(url("dashboard:program", program.pk, language="id")))["table-majors"]
    assert [row[0] for row in indonesian[1:4]] == [
        "Teknik Pengelasan dan Fabrikasi Logam",
        "Teknik Pemesinan",
        "Perhotelan",
    ]
    assert indonesian[1][2] == "46,9%"


def test_the_seats_table(page):
    assert tables(page)["table-seats"] == [
        ["Track", "Seats", "Taken", "Reserved", "Free"],
        ["Rusia", "10", "5", "1", "4"],
        ["Indonesia — proyek Rusia", "6", "2", "1", "3"],
        ["All tracks", "16", "7", "2", "7"],
    ]


def test_the_training_table(page):
    assert tables(page)["table-training"] == [
        ["Phase", "Passed", "In progress", "Planned", "Failed", "Discontinued", "Workers"],
        ["Russian language", "4", "2", "1", "1", "0", "8"],
        ["Teknik", "3", "1", "3", "0", "1", "8"],
    ]


def test_the_placements_table(page):
    assert tables(page)["table-placements"] == [
        ["Status", "Placements"],
        ["Planned", "0"],
        ["Preparing to depart", "1"],
        ["Departed", "0"],
        ["Working", "1"],
        ["Contract completed", "1"],
        ["Terminated early", "0"],
        ["Repatriated", "0"],
        ["All placements", "3"],
    ]


def test_the_complaints_table_and_summary(page):
    assert tables(page)["table-complaints"] == [
        ["Status", "Complaints", "Overdue"],
        ["New", "3", "2"],
        ["In progress", "2", "1"],
        ["Waiting for the worker", "1", "0"],
        ["Resolved", "2", "—"],
        ["Closed", "1", "—"],
        ["Open", "6", "3"],
    ]
    assert "6 open, 3 of them past their deadline." in page.content.decode()


def test_numbers_are_written_the_indonesian_way_at_the_root(staff_client, program):
    page = tables(staff_client.get(url("dashboard:program", program.pk, language="id")))
    assert page["table-medians"][2][1] == "3,1"
    assert page["table-funnel"][1][2] == "12,5%"


def test_thousands_are_grouped_in_tables_and_charts(staff_client, program):
    """The stored figures of a national programme (written directly: counting 12,345 applications
    here would be slow) show with the reader's thousands separator."""
    services.program_figures_refresh(program_id=program.pk)
    stored = ProgramFigures.objects.get(program=program)
    stored.figures["stages"]["submitted"] = 12345
    stored.save()
    for language, number in (("en", "12,345"), ("id", "12.345")):
        response = staff_client.get(url("dashboard:program", program.pk, language=language))
        assert tables(response)["table-funnel"][1][1] == number
        bar = charts(response)["chart-funnel"].find(f"{SVG}text[@class='chart-value']")
        assert bar.text == number


# --- The charts ----------------------------------------------------------------------------------


def test_every_figure_has_a_well_formed_accessible_chart(page):
    found = charts(page)
    assert set(found) == {
        "chart-funnel",
        "chart-medians",
        "chart-provinces",
        "chart-majors",
        "chart-seats",
        "chart-training",
        "chart-placements",
        "chart-complaints",
    }
    for chart_id, svg in found.items():
        assert svg.get("role") == "img"
        assert svg.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
        assert svg.find(f"{SVG}title").text
        assert svg.find(f"{SVG}desc").text
        assert svg.get("viewBox").startswith("0 0 360 ")
    assert (
        'src="http' not in page.content.decode()
        and "<script" not in page.content.decode().split('id="content-main"')[1]
    )


def test_the_charts_draw_the_tables_numbers(page):
    found = charts(page)
    funnel = found["chart-funnel"]
    assert "Submitted: 4; Screening: 3;" in funnel.find(f"{SVG}desc").text
    bars = {rect.find(f"{SVG}title").text: float(rect.get("width")) for rect in funnel.iter(f"{SVG}rect")}
    assert bars["Submitted: 4"] == 360.0  # the most applications span the width
    assert bars["Screening: 3"] == 270.0
    seats = found["chart-seats"].find(f"{SVG}desc").text
    assert seats == (
        "Rusia: taken 5, reserved by an open offer 1, free 4; "
        "Indonesia — proyek Rusia: taken 2, reserved by an open offer 1, free 3"
    )
    complaints = found["chart-complaints"].find(f"{SVG}desc").text
    assert complaints == (
        "New: overdue 2, within the deadline 1; In progress: overdue 1, within the deadline 1; "
        "Waiting for the worker: overdue 0, within the deadline 1"
    )


# --- Stored figures: counted once, read on every view ------------------------------------------


def test_the_first_view_counts_the_figures_and_later_views_read_them(staff_client, program):
    assert not ProgramFigures.objects.exists()
    staff_client.get(url("dashboard:program", program.pk))
    computed_at = ProgramFigures.objects.get(program=program).computed_at
    application_at(Stage.SUBMITTED, program=program)
    page = staff_client.get(url("dashboard:program", program.pk))
    assert tables(page)["table-funnel"][1] == ["Submitted", "4", "12.5%"]  # as counted
    assert ProgramFigures.objects.get(program=program).computed_at == computed_at


def test_count_again_now(staff_client, program):
    staff_client.get(url("dashboard:program", program.pk))
    application_at(Stage.SUBMITTED, program=program)
    response = staff_client.post(url("dashboard:program", program.pk))
    assert response.status_code == 302
    assert response["Location"] == url("dashboard:program", program.pk)
    page = staff_client.get(response["Location"])
    assert tables(page)["table-funnel"][1] == ["Submitted", "5", "15.2%"]
    assert "The figures are being computed again." in page.content.decode()


def test_counting_already_under_way_is_not_asked_for_twice(staff_client, program, monkeypatch):
    asked = []
    monkeypatch.setattr("dashboard.tasks.figures_refresh.delay", asked.append)
    assert services.program_figures_request(program_id=program.pk)
    page = staff_client.get(staff_client.post(url("dashboard:program", program.pk))["Location"])
    assert asked == [program.pk]
    assert "already being computed" in page.content.decode()


def test_without_a_worker_the_page_still_shows_the_live_figures(staff_client, program, monkeypatch):
    def broker_down(*args):
        raise ConnectionError("broker down")

    monkeypatch.setattr("dashboard.tasks.figures_refresh.delay", broker_down)
    response = staff_client.get(url("dashboard:program", program.pk))
    assert response.status_code == 200
    found = tables(response)
    assert "table-funnel" not in found and "table-seats" in found
    assert "Not counted yet, and the count could not be started" in response.content.decode()
    page = staff_client.get(staff_client.post(url("dashboard:program", program.pk))["Location"])
    assert "The count could not be started" in page.content.decode()


def test_with_the_broker_down_the_views_ask_it_once_then_wait_for_the_pause(
    staff_client, program, broker, clock
):
    for _view in range(3):
        response = staff_client.get(url("dashboard:program", program.pk))
        assert "Not counted yet, and the count could not be started" in response.content.decode()
    assert broker.published == [(program.pk,)]
    clock.now += 31
    broker.up = True
    response = staff_client.get(url("dashboard:program", program.pk))
    assert "Not counted yet: a worker is counting" in response.content.decode()
    assert broker.published == [(program.pk,), (program.pk,)]


def test_in_production_a_never_counted_programme_is_queued_not_counted_in_the_request(
    staff_client, program, monkeypatch
):
    """With a broker (tasks not in-process; here ``delay`` only records, as sending to a broker
    would) the page never counts every application itself: it says the figures are not counted
    yet and hands the count to a worker, once."""
    queued = []
    monkeypatch.setattr("dashboard.tasks.figures_refresh.delay", queued.append)
    monkeypatch.setattr(
        services, "program_figures_refresh", lambda **kwargs: pytest.fail("counted in the request")
    )
    for _view in range(2):
        response = staff_client.get(url("dashboard:program", program.pk))
        assert response.status_code == 200
        assert "Not counted yet: a worker is counting the figures" in response.content.decode()
    assert queued == [program.pk]
    assert not ProgramFigures.objects.exists()
    assert "table-funnel" not in tables(response) and "table-seats" in tables(response)


def test_the_page_says_when_the_figures_were_counted_and_claims_no_schedule(staff_client, program):
    import datetime as dt

    services.program_figures_refresh(program_id=program.pk)
    ProgramFigures.objects.filter(program=program).update(
        computed_at=dt.datetime(2026, 3, 2, 3, 30, tzinfo=dt.UTC)  # 10:30 WIB
    )
    text = staff_client.get(url("dashboard:program", program.pk)).content.decode()
    assert "Counted at March 2, 2026, 10:30 a.m. (WIB), over every application." in text
    assert "every 15 minutes" not in text


def test_figures_in_an_older_shape_are_counted_again(staff_client, program):
    services.program_figures_refresh(program_id=program.pk)
    ProgramFigures.objects.filter(program=program).update(figures={"version": 0})
    assert tables(staff_client.get(url("dashboard:program", program.pk)))["table-funnel"][1][1] == "4"


# --- The same few queries, however much data -----------------------------------------------------


def _more_of_everything(program) -> None:
    """24 more applications from six more provinces and twelve majors, with their moves and a
    complaint each; six of them in training, two of those placed."""
    from programs.models import Major

    majors = list(Major.objects.order_by("id")[:12])
    program.tracks.update(seats=F("seats") + 10)
    language, technical = program.phases.order_by("order")
    for n in range(24):
        candidate = CandidateFactory(
            province_id=["11", "12", "13", "14", "51", "52"][n % 6], major=majors[n % 12]
        )
        stage = Stage.IN_TRAINING if n % 4 == 0 else Stage.SCREENING
        application = application_at(stage, program=program, candidate=candidate)
        moves_write(application, [("", Stage.SUBMITTED, 0), (Stage.SUBMITTED, Stage.SCREENING, 1 + n)])
        if stage == Stage.IN_TRAINING:
            enrol(application, language, "in_progress")
            enrol(application, technical, "planned")
        complain(application, "new", -datetime.timedelta(days=1))
    for application in program.applications.filter(stage=Stage.IN_TRAINING).order_by("-id")[:2]:
        place(application, "departed")


def _queries(client, address) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured)


def test_the_page_takes_the_same_few_queries_for_more_data(staff_client, program, django_assert_num_queries):
    services.program_figures_refresh(program_id=program.pk)
    address = url("dashboard:program", program.pk)
    small = _queries(staff_client, address)
    assert small <= 10
    _more_of_everything(program)
    services.program_figures_refresh(program_id=program.pk)
    with django_assert_num_queries(small):
        staff_client.get(address)


def test_counting_takes_the_same_queries_for_more_data(program):
    services.program_figures_refresh(program_id=program.pk)
    with CaptureQueriesContext(connection) as small:
        services.program_figures_refresh(program_id=program.pk)
    _more_of_everything(program)
    with CaptureQueriesContext(connection) as large:
        services.program_figures_refresh(program_id=program.pk)
    assert len(small) == len(large) <= 12
    assert ProgramFigures.objects.get(program=program).applications == 32 + 24


def test_the_picker_takes_one_query_for_its_programmes(staff_client, program, other_program):
    from tests.programs.factories import ProgramFactory

    address = url("dashboard:index")
    few = _queries(staff_client, address)
    ProgramFactory.create_batch(5)
    assert _queries(staff_client, address) == few


# --- Complaints on the picker --------------------------------------------------------------------


@pytest.fixture
def complaints_about_no_programme(program):
    """Filed without naming an application: new and overdue, in progress within the deadline,
    closed (not open) — so 2 open, 1 overdue."""
    from django.utils import timezone

    from complaints.models import Complaint, ComplaintStatus

    candidate = CandidateFactory()
    now = timezone.now()
    for status, due_in, resolved in (
        (ComplaintStatus.NEW, -datetime.timedelta(days=2), None),
        (ComplaintStatus.IN_PROGRESS, datetime.timedelta(days=2), None),
        (ComplaintStatus.CLOSED, -datetime.timedelta(days=2), now),
    ):
        Complaint.objects.create(
            candidate=candidate,
            category="other",
            description="Keluhan umum",
            status=status,
            due_at=now + due_in,
            resolved_at=resolved,
        )


def test_the_picker_shows_open_and_overdue_complaints_per_programme_and_about_none(
    staff_client, program, other_program, complaints_about_no_programme
):
    """Counted by hand (conftest): the programme 6 open of which 3 overdue, the other programme
    1 and 1, and the three above with no programme 2 and 1."""
    response = staff_client.get(url("dashboard:index"))
    table = tables(response)["table-complaints-by-programme"]
    assert table[0] == ["Programme", "Open", "Overdue"]
    assert sorted(table[1:3]) == sorted([[str(program), "6", "3"], [str(other_program), "1", "1"]])
    assert table[3] == ["Not about a programme", "2", "1"]
    assert table[4] == ["All open complaints", "9", "5"]
    assert "9 open, 5 of them past their deadline." in response.content.decode()
    chart = charts(response)["chart-complaints-by-programme"]
    assert "Not about a programme: overdue 1, within the deadline 1" in chart.find(f"{SVG}desc").text


def test_the_picker_counts_complaints_in_one_query(staff_client, program, complaints_about_no_programme):
    from tests.programs.factories import ProgramFactory

    address = url("dashboard:index")
    before = _queries(staff_client, address)
    for extra in ProgramFactory.create_batch(3):
        complain(application_at(Stage.SUBMITTED, program=extra), "new", -datetime.timedelta(days=1))
    assert _queries(staff_client, address) == before
    table = tables(staff_client.get(address))["table-complaints-by-programme"]
    assert len(table) == 1 + 5 + 1 + 1  # header, the programmes, about none, in all


def test_without_the_complaints_permission_no_complaint_figures_are_shown(
    client, staff_without_permission, program, complaints_about_no_programme
):
    staff_without_permission.user_permissions.add(view_permission())
    client.force_login(staff_without_permission)
    index = client.get(url("dashboard:index"))
    page = client.get(url("dashboard:program", program.pk))
    assert index.status_code == page.status_code == 200
    assert "table-complaints-by-programme" not in tables(index)
    assert "table-complaints" not in tables(page) and "chart-complaints" not in charts(page)
    assert "past their deadline" not in index.content.decode() + page.content.decode()
    assert "Seats, training and placements" in page.content.decode()

    from django.contrib.auth.models import Permission

    staff_without_permission.user_permissions.add(
        Permission.objects.get(content_type__app_label="complaints", codename="view_complaint")
    )
    index = client.get(url("dashboard:index"))
    assert tables(index)["table-complaints-by-programme"][-1] == ["All open complaints", "9", "5"]
    assert "table-complaints" in tables(client.get(url("dashboard:program", program.pk)))
