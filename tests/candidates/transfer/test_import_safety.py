"""What an uploaded spreadsheet cannot do: unpack to gigabytes in a web process, or leave a NIK behind."""

from __future__ import annotations

import importlib
import io
import re
import zipfile
from unittest import mock

import pytest
from django.apps import apps as django_apps

from candidates import tasks
from candidates.models import ImportJob, ImportOutcome, ImportRow, ImportStatus
from candidates.services.imports import jobs

from .conftest import csv_bytes, person, xlsx_bytes
from .test_import import job_of, on_commit_runs, outcomes, post_file  # noqa: F401 - the autouse fixture

SIXTEEN_DIGITS = re.compile(r"\d{16}")


def _with_long_string(workbook: bytes, *, characters: int, letter: bytes = b"A") -> bytes:
    """``workbook`` with the header's "NIK" cell made ``characters`` long.

    The string is streamed into the archive, so building a 300 MB string costs no memory.
    (openpyxl, which makes the test's workbooks, writes strings inline; Excel keeps them in
    ``xl/sharedStrings.xml``: either part is rewritten, whichever holds the cell.)
    """
    source = zipfile.ZipFile(io.BytesIO(workbook))
    target_buffer = io.BytesIO()
    with zipfile.ZipFile(target_buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if b"<t>NIK</t>" not in data:
                target.writestr(member, data)
                continue
            head, _nik, tail = data.partition(b"<t>NIK</t>")
            info = zipfile.ZipInfo(member.filename)
            info.compress_type = zipfile.ZIP_DEFLATED
            with target.open(info, "w", force_zip64=True) as stream:
                stream.write(head + b"<t>")
                chunk = letter * (1 << 20)
                left = characters
                while left > 0:
                    stream.write(chunk[: min(left, len(chunk))])
                    left -= len(chunk)
                stream.write(b"</t>" + tail)
    return target_buffer.getvalue()


@pytest.fixture
def never_unpacked():
    """Fails the test if openpyxl opens a workbook."""
    refuse = AssertionError("the workbook was unpacked")
    with mock.patch("openpyxl.load_workbook", side_effect=refuse) as opened:
        yield opened


# --- Archives that unpack to far more than they weigh ------------------------------------------


def test_a_workbook_holding_a_300_mb_string_is_refused_unread(staff_client, program, never_unpacked):
    bomb = _with_long_string(xlsx_bytes([person(1)]), characters=300 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024  # it weighs less than a megabyte

    response = post_file(staff_client, program, "bkk.xlsx", bomb)

    assert response.status_code == 200
    assert "This Excel file unpacks to far more than its size" in response.content.decode()
    never_unpacked.assert_not_called()
    assert not ImportJob.objects.exists()


def test_a_workbook_unpacking_to_more_than_the_limit_is_refused(
    staff_client, program, settings, never_unpacked
):
    settings.IMPORT_MAX_UNPACKED_BYTES = 4 * 1024
    response = post_file(staff_client, program, "bkk.xlsx", xlsx_bytes([person(1), person(2)]))

    assert response.status_code == 200
    assert "more than the 0 MB an import may hold" in response.content.decode()
    never_unpacked.assert_not_called()
    assert not ImportJob.objects.exists()


def test_a_cell_longer_than_a_spreadsheet_cell_holds_is_refused(staff_client, program):
    # Excel and openpyxl cut a cell at 32,767 characters; a file made otherwise need not.
    workbook = _with_long_string(xlsx_bytes([person(1)]), characters=40_000)
    response = post_file(staff_client, program, "bkk.xlsx", workbook)

    assert response.status_code == 200
    assert "Row 1 has a cell longer than 32,767 characters" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_large_workbook_is_opened_only_by_the_worker(staff_client, program, monkeypatch):
    monkeypatch.setattr(jobs, "XLSX_READ_IN_REQUEST_BYTES", 1024)
    real_check = tasks.import_job_check.delay

    with (
        mock.patch("openpyxl.load_workbook", side_effect=AssertionError("unpacked in the request")),
        mock.patch.object(tasks.import_job_check, "delay") as check,
    ):
        job = job_of(post_file(staff_client, program, "bkk.xlsx", xlsx_bytes([person(1), person(2)])))
        check.assert_called_once_with(job.pk)
    assert job.in_background and job.status == ImportStatus.CHECKING

    real_check(job.pk)  # the worker, where the workbook may be unpacked
    job.refresh_from_db()
    assert (job.status, job.rows_total, job.rows_new, job.file_errors) == (ImportStatus.CHECKED, 2, 2, [])


def test_the_worker_reports_a_large_workbook_it_cannot_take_as_a_problem_of_the_file(
    staff_client, program, monkeypatch
):
    monkeypatch.setattr(jobs, "XLSX_READ_IN_REQUEST_BYTES", 1024)
    workbook = _with_long_string(xlsx_bytes([person(1), person(2)]), characters=40_000)
    with mock.patch.object(tasks.import_job_check, "delay"):
        job = job_of(post_file(staff_client, program, "bkk.xlsx", workbook))

    tasks.import_job_check.delay(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert job.file_errors == [
        "Row 1 has a cell longer than 32,767 characters, more than a spreadsheet "
        "cell holds. Check the row, or save the sheet again."
    ]
    assert not job.rows.exists()


def test_a_large_workbook_with_a_header_and_no_rows_cannot_be_imported(staff_client, program, monkeypatch):
    monkeypatch.setattr(jobs, "XLSX_READ_IN_REQUEST_BYTES", 1024)
    job = job_of(post_file(staff_client, program, "bkk.xlsx", xlsx_bytes([])))

    assert job.in_background
    assert job.file_errors == ["The file has a header but no rows of candidates."]


# --- Reports keep no NIK -------------------------------------------------------------------


def test_a_nik_typed_into_another_column_is_masked_in_the_stored_report(staff_client, program):
    rows = [
        person(1, Provinsi="3171011508040002"),
        person(2, **{"Nama Lengkap": "3171 0115 0804 0003", "Tanggal Lahir": "3171011508040004"}),
        person(3, Jurusan="31710115080400055"),  # one digit too many: still not kept
    ]
    job = job_of(post_file(staff_client, program, "bkk.csv", csv_bytes(rows)))

    report = outcomes(job)
    assert {outcome for outcome, _messages in report.values()} == {ImportOutcome.ERROR}
    assert "Unknown province: 3171••••••••0002." in report[2][1]
    assert any("3171••••••••0004" in message for message in report[3][1])
    assert any("31•••••••••••••55" in message for message in report[4][1])
    assert ImportRow.objects.get(job=job, row_number=3).full_name == "3171••••••••0003"
    stored = list(ImportRow.objects.filter(job=job).values_list("full_name", "messages"))
    assert not SIXTEEN_DIGITS.search(re.sub(r"[ .\-]", "", str(stored)))

    page = staff_client.get(f"/en/admin/candidates/importjob/{job.pk}/change/").content.decode()
    assert "3171011508040002" not in page and "3171••••••••0002" in page


def test_reports_stored_before_masking_are_masked_by_the_migration(staff_client, program):
    job = job_of(post_file(staff_client, program, "bkk.csv", csv_bytes([person(1, Provinsi="x")])))
    ImportRow.objects.filter(job=job).update(
        full_name="3171011508040009", messages=["Unknown province: 3171011508040002."]
    )
    migration = importlib.import_module("candidates.migrations.0012_mask_numbers_in_import_reports")

    migration.mask(django_apps, None)

    row = ImportRow.objects.get(job=job)
    assert (row.full_name, row.messages) == ("3171••••••••0009", ["Unknown province: 3171••••••••0002."])
