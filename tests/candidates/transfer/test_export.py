"""Exporting the application list: what the list shows, streamed, masked unless permitted, recorded."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.http import StreamingHttpResponse
from django.urls import reverse as django_reverse
from django.utils import translation
from openpyxl import load_workbook

from accounts.services import staff_group_ensure
from candidates.models import ApplicationExport, Stage
from tests.accounts.factories import PartnerUserFactory, StaffFactory
from tests.candidates.factories import CandidateFactory, application_at

NIK_A = "3171011508040001"
NIK_B = "3171011508040002"


def reverse(name, args=None):
    with translation.override("en"):
        return django_reverse(name, args=args)


def export_url(file_format: str) -> str:
    return reverse("admin:candidates_application_export", args=[file_format])


@pytest.fixture
def applications(program):
    first = application_at(
        Stage.SUBMITTED,
        program=program,
        candidate=CandidateFactory(full_name="Budi Santoso", nik=NIK_A, phone="+6281234567890"),
    )
    second = application_at(
        Stage.SCREENING,
        program=program,
        candidate=CandidateFactory(full_name='=HYPERLINK("http://jahat.example","klik")', nik=NIK_B),
    )
    return first, second


def body(response) -> bytes:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def full_nik_staff():
    staff = StaffFactory()
    staff.user_permissions.add(Permission.objects.get(codename="export_full_nik"))
    return staff


def test_csv_follows_the_list_filters_and_masks_the_nik(staff_client, staff, applications):
    first, _second = applications
    response = staff_client.get(export_url("csv"), {"stage__exact": Stage.SUBMITTED})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="applications-')
    data = body(response)
    assert NIK_A.encode() not in data
    rows = read_csv(data)
    assert rows[0][:8] == [
        "Application",
        "Programme",
        "Preferred track",
        "Track",
        "Stage",
        "Submitted at (WIB)",
        "Name",
        "NIK",
    ]
    assert [row[0] for row in rows[1:]] == [str(first.pk)]
    assert rows[1][4:9] == ["Submitted", rows[1][5], "Budi Santoso", "3171••••••••0001", "Male"]
    assert rows[1][-1] == "'+62812•••••890"  # masked, and no formula
    export = ApplicationExport.objects.get()
    assert (export.exported_by, export.file_format, export.full_nik, export.row_count) == (
        staff,
        "csv",
        False,
        1,
    )
    assert export.filters == {"stage__exact": ["submitted"]} and export.finished_at is not None


def test_without_the_permission_only_the_year_of_birth_is_exported(staff_client, applications):
    """The masked NIK hides the birth-date digits (3171••••••••0001): a full date of birth beside
    it would give them back."""
    first, _second = applications
    first.candidate.birth_date = datetime.date(2004, 8, 15)
    first.candidate.save()
    rows = read_csv(body(staff_client.get(export_url("csv"), {"stage__exact": Stage.SUBMITTED})))
    assert rows[0][9] == "Year of birth"
    assert rows[1][9] == "2004"
    assert "2004-08-15" not in ",".join(rows[1])
    sheet = read_xlsx(body(staff_client.get(export_url("xlsx"), {"stage__exact": Stage.SUBMITTED})))
    assert sheet.cell(row=1, column=10).value == "Year of birth"
    assert sheet.cell(row=2, column=10).value == 2004


def test_with_the_permission_the_full_date_of_birth_is_exported(client, applications):
    first, _second = applications
    first.candidate.birth_date = datetime.date(2004, 8, 15)
    first.candidate.save()
    client.force_login(full_nik_staff())
    rows = read_csv(body(client.get(export_url("csv"), {"stage__exact": Stage.SUBMITTED})))
    assert (rows[0][9], rows[1][9]) == ("Date of birth", "2004-08-15")
    sheet = read_xlsx(body(client.get(export_url("xlsx"), {"stage__exact": Stage.SUBMITTED})))
    assert (sheet.cell(row=1, column=10).value, sheet.cell(row=2, column=10).value) == (
        "Date of birth",
        "2004-08-15",
    )


def test_the_search_is_exported_and_recorded_with_the_nik_masked(staff_client, applications):
    rows = read_csv(body(staff_client.get(export_url("csv"), {"q": NIK_B})))
    assert len(rows) == 2 and rows[1][7] == "3171••••••••0002"
    assert ApplicationExport.objects.get().filters == {"q": ["3171••••••••0002"]}


def test_with_the_permission_nik_and_phone_are_in_full_and_that_is_recorded(client, applications):
    staff = full_nik_staff()
    client.force_login(staff)
    rows = read_csv(body(client.get(export_url("csv"), {"stage__exact": Stage.SUBMITTED})))
    assert rows[1][7] == NIK_A and rows[1][-1] == "'+6281234567890"
    export = ApplicationExport.objects.get()
    assert export.full_nik is True and export.exported_by == staff


def test_formula_like_cells_are_neutralised(staff_client, applications):
    rows = read_csv(body(staff_client.get(export_url("csv"), {"stage__exact": Stage.SCREENING})))
    assert rows[1][6] == """'=HYPERLINK("http://jahat.example","klik")"""

    sheet = read_xlsx(body(staff_client.get(export_url("xlsx"), {"stage__exact": Stage.SCREENING})))
    cell = sheet.cell(row=2, column=7)
    assert cell.value == '=HYPERLINK("http://jahat.example","klik")'
    assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula, and stays text when edited


def test_xlsx_is_a_valid_workbook_with_the_same_rows(staff_client, applications):
    first, second = applications
    response = staff_client.get(export_url("xlsx"), {"o": "1"})  # ordered by id
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = read_xlsx(body(response))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Application" and rows[0][7] == "NIK"
    assert sorted(row[0] for row in rows[1:]) == sorted([first.pk, second.pk])
    assert {row[7] for row in rows[1:]} == {"3171••••••••0001", "3171••••••••0002"}
    assert all(row[14] == 2024 for row in rows[1:])
    export = ApplicationExport.objects.get()
    assert (export.file_format, export.row_count) == ("xlsx", 2)


def test_the_export_reads_the_rows_in_one_query(staff_client, applications, django_assert_max_num_queries):
    response = staff_client.get(export_url("csv"))
    with django_assert_max_num_queries(2):  # the rows; the audit row's completion
        data = body(response)
    assert len(read_csv(data)) == 3


def test_the_list_offers_the_exports_with_its_filters(staff_client, applications):
    page = staff_client.get(reverse("admin:candidates_application_changelist"), {"stage__exact": "submitted"})
    text = page.content.decode()
    assert export_url("csv") + "?stage__exact=submitted" in text
    assert export_url("xlsx") + "?stage__exact=submitted" in text


def test_bad_filters_give_a_message_not_an_error(staff_client, applications):
    response = staff_client.get(export_url("csv"), {"stage__exact": "x", "candidate__nik__regex": "("})
    assert response.status_code in (302, 400)
    assert not ApplicationExport.objects.filter(row_count__gt=0).exists()


def test_an_unknown_format_is_not_found(staff_client):
    assert staff_client.get(export_url("pdf")).status_code == 404


def test_only_staff_with_the_view_permission_export(client, applications):
    for user in (None, CandidateFactory().user, PartnerUserFactory()):
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(export_url("csv"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    # Staff outside the ministry staff group have no permission on applications.
    bare = StaffFactory()
    bare.groups.clear()
    client.force_login(bare)
    assert client.get(export_url("xlsx")).status_code == 403
    assert not ApplicationExport.objects.exists()


def test_the_staff_group_does_not_export_nik_in_full(db):
    group = staff_group_ensure()
    assert group.permissions.filter(codename="view_application").exists()
    assert not group.permissions.filter(codename="export_full_nik").exists()


# --- Web access logs -------------------------------------------------------------------------------


def _access_log_format() -> str:
    import shlex
    from pathlib import Path

    procfile = Path(__file__).resolve().parents[3] / "Procfile"
    web = next(line for line in procfile.read_text().splitlines() if line.startswith("web:"))
    words = shlex.split(web.removeprefix("web:"))
    assert words[0] == "gunicorn"
    return words[words.index("--access-logformat") + 1]


def test_the_web_access_log_leaves_query_strings_out():
    """The export links carry the list's search (an exact NIK, a name): gunicorn logs the path
    without the query string, and no referrer (the list's address, search included)."""
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    log_format = _access_log_format()
    for atom in ("%(r)s", "%(q)s", "%(f)s", "{raw_uri}e", "{query_string}e", "{referer}i"):
        assert atom not in log_format
    assert "%(U)s" in log_format and "%(s)s" in log_format

    # What gunicorn writes for an export of a search by NIK.
    config = Config()
    config.set("access_log_format", log_format)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/admin/candidates/application/export/csv/?q={NIK_A}",
        "PATH_INFO": "/admin/candidates/application/export/csv/",
        "QUERY_STRING": f"q={NIK_A}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.9",
        "HTTP_REFERER": f"https://portal.example/admin/candidates/application/?q={NIK_A}",
        "HTTP_USER_AGENT": "Firefox",
    }
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    line = log_format % Logger(config).atoms(response, request, environ, timedelta(seconds=1))
    assert '"GET /admin/candidates/application/export/csv/ HTTP/1.1" 200 1234 "Firefox"' in line
    assert NIK_A not in line and "?" not in line


# --- Ordered by rank -------------------------------------------------------------------------------


def test_an_export_ordered_by_rank_is_ordered_by_id_without_counting_ranks(
    staff_client, program, applications
):
    """On screen the rank is counted per row (a subquery over the programme); an export of up to a
    million rows is ordered by id instead, and never counts a rank."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from candidates.admin import ApplicationAdmin
    from candidates.models import Application

    first, second = applications
    third = application_at(
        Stage.SCREENING, program=program, candidate=CandidateFactory(nik="3171011508040003")
    )
    for application, score in ((first, 60), (second, 90), (third, 75)):
        Application.objects.filter(pk=application.pk).update(score_total=score)
    rank_column = str(ApplicationAdmin.list_display.index("rank") + 1)  # after the checkbox column
    # The list itself orders by rank: the best first.
    page = staff_client.get(reverse("admin:candidates_application_changelist"), {"o": rank_column})
    assert [a.pk for a in page.context["cl"].result_list] == [second.pk, third.pk, first.pk]

    for order in (rank_column, "-" + rank_column, f"4.{rank_column}"):
        response = staff_client.get(export_url("csv"), {"o": order})
        with CaptureQueriesContext(connection) as queries:
            rows = read_csv(body(response))
        assert [int(row[0]) for row in rows[1:]] == sorted([first.pk, second.pk, third.pk])
        # The rows' query (on PostgreSQL inside DECLARE … CURSOR FOR, a server-side cursor).
        (select,) = [q["sql"] for q in queries if '"candidates_application"."id"' in q["sql"]]
        assert select.upper().count("SELECT") == 1  # no subquery: no rank counted
    # Other orderings are kept as they are.
    rows = read_csv(body(staff_client.get(export_url("csv"), {"o": "-1"})))
    assert [int(row[0]) for row in rows[1:]] == sorted([first.pk, second.pk, third.pk], reverse=True)


def test_imported_profiles_name_each_field_once():
    from candidates.services.imports.jobs import _PROFILE_FIELDS

    assert len(_PROFILE_FIELDS) == len(set(_PROFILE_FIELDS))
