"""Import and export benchmark: ``make bench-import`` and ``make bench-export`` (both in ``make bench``).

``python -m tests.load.bench_transfer import`` (or ``export``; no argument: both, each in its
own process so each peak RSS is its own) against PostgreSQL (``BENCH_DATABASE_URL``, default
the API benchmark's ``p2mi_bench`` database, created if missing).

- **import**: writes a BKK sheet of ``BENCH_IMPORT_ROWS`` (default 100,000) valid, new
  candidates as CSV (and XLSX with ``BENCH_IMPORT_XLSX=1``), then times the dry run and the
  import (``candidates.services.imports``, in-process; the invitations are queued on an
  in-memory broker, not sent), and beside it ``COPY … FROM STDIN`` of the same file into a
  scratch table. The imported rows are removed before and after.
- **export**: seeds ``BENCH_APPLICATIONS`` applications (default 1,000,000; reused), then
  streams the admin's export of all of them as CSV and as XLSX through the export view
  (consumed fully, bytes counted), and beside it ``COPY (SELECT …) TO STDOUT`` of the same
  query (the same columns, joins and order).

Each prints rows per second, the ratio to COPY, and the process's peak RSS.
"""

from __future__ import annotations

import csv
import datetime
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/p2mi_bench")
APPLICATIONS = int(os.environ.get("BENCH_APPLICATIONS", "1000000"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
IMPORT_XLSX = os.environ.get("BENCH_IMPORT_XLSX", "").lower() in {"1", "true", "yes"}
IMPORT_PROGRAM = "bench-import-2026"
EMAIL_DOMAIN = "impor.bench.example"
STAFF_EMAIL = "bench-transfer@p2mi.go.id"

HEADER = [
    "NIK", "Nama Lengkap", "Email", "No HP", "Tempat Lahir", "Tanggal Lahir", "Jenis Kelamin", "Alamat",
    "Provinsi", "Kabupaten/Kota", "Nama Sekolah", "NPSN", "Jurusan", "Tahun Lulus", "Nilai Rata-rata",
    "Penempatan",
]  # fmt: skip


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _setup() -> None:
    os.environ.update(
        {
            "DATABASE_URL": DATABASE_URL,
            "DJANGO_SETTINGS_MODULE": "p2mi_portal.settings",
            # Notifications are queued, not sent: the benchmark measures the import's own work.
            "CELERY_BROKER_URL": "memory://",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_URL": "consolemail://",
            "IMPORT_BACKGROUND_ROWS": str(10**9),  # time the work itself, in this process
            "IMPORT_MAX_MB": "500",
            "LOG_LEVEL": "WARNING",
        }
    )
    from .bench_api import _ensure_database

    _ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- Import ----------------------------------------------------------------------------------


def _person(n: int) -> list[str]:
    # DKI Jakarta (31), regency 72 / district 01 (the API seed uses 01 01): no NIK is shared.
    day, month, serial = 1 + n % 28, 1 + (n // 28) % 12, n // 336
    sex = "P" if n % 2 else "L"
    nik_day = day + 40 if sex == "P" else day
    return [
        f"317201{nik_day:02d}{month:02d}04{serial:04d}",
        f"Siswa Bench {n}",
        f"siswa{n}@{EMAIL_DOMAIN}",
        f"0813{n:08d}",
        "Jakarta",
        f"{day:02d}/{month:02d}/2004",
        sex,
        f"Jl. Uji {n}",
        "DKI Jakarta",
        "Jakarta Utara",
        "SMK Negeri 1 Jakarta",
        "20100001",
        "Teknik Pengelasan dan Fabrikasi Logam",
        "2024",
        f"{70 + n % 30},5",
        "Rusia",
    ]


def _write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow(_person(n))


def _write_xlsx(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for n in range(rows):
        sheet.append(_person(n))
    workbook.save(path)


def _import_fixtures():
    from django.utils import timezone

    from accounts.models import Role, User
    from programs.models import Partner, PartnerKind, PlacementTrack, Program, ProgramStatus

    today = timezone.localdate()
    partner, _ = Partner.objects.get_or_create(
        name="RUSAL (bench import)", defaults={"kind": PartnerKind.EMPLOYER, "country": "RU"}
    )
    program, _ = Program.objects.update_or_create(
        code=IMPORT_PROGRAM,
        defaults={
            "title": "Bench import",
            "summary": "Bench",
            "description": "Bench",
            "employer": partner,
            "destination_country": "RU",
            "sector": "welding",
            "occupation": "Juru las",
            "total_seats": 50,
            "recruitment_opens": today - datetime.timedelta(days=10),
            "recruitment_closes": today + datetime.timedelta(days=30),
            "target_departure": today + datetime.timedelta(days=120),
            "contract_months": 60,
            "salary_currency": "RUB",
            "salary_min": 80000,
            "salary_max": 200000,
            "status": ProgramStatus.PUBLISHED,
            "graduation_year_min": 2020,
            "graduation_year_max": today.year,
            "age_min": 17,
            "age_max": 35,
            "age_reference_date": today,
            "min_average_grade": 60,
        },
    )
    PlacementTrack.objects.get_or_create(
        program=program, name="Rusia", defaults={"country": "RU", "seats": 50}
    )
    staff = User.objects.filter(email=STAFF_EMAIL).first() or User.objects.create_user(
        STAFF_EMAIL, None, full_name="Bench", role=Role.STAFF, is_staff=True
    )
    return program, staff


def _import_cleanup(program) -> None:
    """Remove what an earlier run imported (raw SQL: the ORM would collect 600,000 rows first)."""
    from django.db import connection

    # Only constants go into these statements (the domain is this module's); the programme is a parameter.
    users = f"SELECT id FROM accounts_user WHERE email LIKE '%%@{EMAIL_DOMAIN}'"  # noqa: S608
    applications = "SELECT id FROM candidates_application WHERE program_id = %s"
    jobs = "SELECT id FROM candidates_importjob WHERE program_id = %s"
    notifications = f"SELECT id FROM notifications_notification WHERE recipient_id IN ({users})"  # noqa: S608
    statements = [
        f"DELETE FROM notifications_delivery WHERE notification_id IN ({notifications})",  # noqa: S608
        f"DELETE FROM notifications_notification WHERE recipient_id IN ({users})",  # noqa: S608
        f"DELETE FROM candidates_importrow WHERE job_id IN ({jobs})",  # noqa: S608
        "DELETE FROM candidates_importjob WHERE program_id = %s",
        f"DELETE FROM candidates_applicationevent WHERE application_id IN ({applications})",  # noqa: S608
        "DELETE FROM candidates_application WHERE program_id = %s",
        f"DELETE FROM candidates_candidateprofile WHERE user_id IN ({users})",  # noqa: S608
        f"DELETE FROM accounts_user WHERE id IN ({users})",  # noqa: S608
    ]
    with connection.cursor() as cursor:
        # Fresh statistics first: the foreign-key checks of a delete plan by them, and tables
        # that were empty at the last ANALYZE would be scanned once per deleted row.
        cursor.execute(
            "ANALYZE accounts_user, candidates_candidateprofile, candidates_application, "
            "candidates_applicationevent, candidates_importrow, "
            "notifications_notification, notifications_delivery"
        )
        for statement in statements:
            cursor.execute(statement, [program.pk] * statement.count("%s"))
        # As after any large delete: the dead rows go, the statistics follow.
        cursor.execute(
            "VACUUM ANALYZE accounts_user, candidates_candidateprofile, candidates_application, "
            "candidates_applicationevent, candidates_importrow, "
            "notifications_notification, notifications_delivery"
        )


def _copy_in(path: Path) -> float:
    """Seconds for PostgreSQL to take the same file by COPY into a scratch table."""
    from django.db import connection

    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_import_copy")
        cursor.execute(f"CREATE UNLOGGED TABLE bench_import_copy ({columns})")
        started = time.perf_counter()
        with (
            cursor.connection.cursor().copy(
                "COPY bench_import_copy FROM STDIN (FORMAT csv, HEADER true, DELIMITER ';')"
            ) as copy,
            path.open("rb") as handle,
        ):
            handle.read(3)  # the BOM
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        elapsed = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_import_copy")
        copied = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_import_copy")
    assert copied == IMPORT_ROWS, copied
    return elapsed


def _time_import(path: Path, program, staff) -> tuple[float, float, object]:
    from django.core.files import File

    from candidates.services import imports

    track = program.tracks.get()
    with path.open("rb") as handle:
        started = time.perf_counter()
        job = imports.import_job_create(
            actor=staff,
            program=program,
            track=track,
            upload=File(handle, name=path.name),
            consent_confirmed=True,
        )
        checked = time.perf_counter() - started
    assert job.rows_new == IMPORT_ROWS, (
        job.rows_new,
        job.rows_failed,
        job.rows.filter(outcome="error").first(),
    )
    started = time.perf_counter()
    job = imports.import_job_confirm(job=job, actor=staff)
    imported = time.perf_counter() - started
    assert job.rows_created == IMPORT_ROWS, (job.status, job.rows_created, job.rows_failed)
    return checked, imported, job


def bench_import() -> None:
    _setup()
    program, staff = _import_fixtures()
    _import_cleanup(program)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bkk.csv"
        _write_csv(path, IMPORT_ROWS)
        size = path.stat().st_size
        copy_seconds = _copy_in(path)
        checked, imported, _job = _time_import(path, program, staff)
        _import_cleanup(program)
        copy_rate = IMPORT_ROWS / copy_seconds
        print(f"import of {IMPORT_ROWS:,} rows ({size / 1e6:.1f} MB CSV), PostgreSQL {_server_version()}:")
        print(f"  COPY … FROM STDIN (scratch table, text) {copy_rate:>10,.0f} rows/s   {copy_seconds:6.2f} s")
        for label, seconds in (("dry run (check every row)", checked), ("import (confirmed)", imported)):
            rate = IMPORT_ROWS / seconds
            print(
                f"  CSV {label:<35}{rate:>10,.0f} rows/s   {seconds:6.2f} s   "
                f"COPY/this {copy_rate / rate:5.0f}×"
            )
        total = checked + imported
        print(f"  CSV dry run + import{'':<20}{IMPORT_ROWS / total:>10,.0f} rows/s   {total:6.2f} s")
        if IMPORT_XLSX:
            xlsx = Path(directory) / "bkk.xlsx"
            _write_xlsx(xlsx, IMPORT_ROWS)
            checked, imported, _job = _time_import(xlsx, program, staff)
            _import_cleanup(program)
            for label, seconds in (("dry run (check every row)", checked), ("import (confirmed)", imported)):
                print(f"  XLSX {label:<34}{IMPORT_ROWS / seconds:>10,.0f} rows/s   {seconds:6.2f} s")
    print("  each batch of 500: accounts, profiles, applications, events, invitations and their deliveries")
    print(f"  peak RSS {_peak_rss_mb():.0f} MB")


# --- Export ----------------------------------------------------------------------------------


def _server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0].split(" ")[0]


def _export_request(file_format: str, staff):
    from django.contrib import admin
    from django.test import RequestFactory

    from candidates.models import Application

    request = RequestFactory().get(f"/admin/candidates/application/export/{file_format}/")
    request.user = staff
    return admin.site._registry[Application].export_view(request, file_format)


def _time_export(file_format: str, staff) -> tuple[float, int, int]:
    from candidates.models import ApplicationExport

    started = time.perf_counter()
    response = _export_request(file_format, staff)
    size = sum(len(chunk) for chunk in response.streaming_content)
    elapsed = time.perf_counter() - started
    rows = ApplicationExport.objects.filter(exported_by=staff).latest("started_at").row_count
    return elapsed, rows, size


def _copy_out(staff) -> tuple[float, int, int]:
    """``COPY (the export's own query) TO STDOUT``: the same rows, columns, joins and order."""
    from django.contrib import admin
    from django.db import connection
    from django.test import RequestFactory

    from candidates.models import Application
    from candidates.selectors import EXPORT_FIELDS

    request = RequestFactory().get("/admin/candidates/application/")
    request.user = staff
    request.exporting_applications = True
    changelist = admin.site._registry[Application].get_changelist_instance(request)
    sql, params = changelist.queryset.values_list(*EXPORT_FIELDS).query.sql_with_params()
    size = rows = 0
    with connection.cursor() as cursor:
        started = time.perf_counter()
        with cursor.connection.cursor().copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
            for chunk in copy:
                size += len(chunk)
                rows += bytes(chunk).count(b"\n")
        elapsed = time.perf_counter() - started
    return elapsed, rows, size


def bench_export() -> None:
    _setup()
    from django.contrib.auth.models import Permission

    from accounts.models import Role, User
    from accounts.services import staff_group_ensure

    from . import seed

    started = time.perf_counter()
    seed.seed(APPLICATIONS)
    print(f"seeded in {time.perf_counter() - started:.0f} s")
    staff = User.objects.filter(email=STAFF_EMAIL).first() or User.objects.create_user(
        STAFF_EMAIL, None, full_name="Bench", role=Role.STAFF, is_staff=True
    )
    staff.groups.add(staff_group_ensure())
    staff.user_permissions.add(Permission.objects.get(codename="export_full_nik"))
    staff = User.objects.get(pk=staff.pk)  # permissions read afresh
    copy_seconds, copy_rows, copy_size = _copy_out(staff)
    copy_rate = copy_rows / copy_seconds
    print(
        f"export of {copy_rows:,} applications (every row of the admin list), PostgreSQL {_server_version()}:"
    )
    print(
        f"  COPY (SELECT …) TO STDOUT (csv)   {copy_rate:>10,.0f} rows/s   {copy_seconds:6.2f} s   "
        f"{copy_size / 1e6:7.1f} MB"
    )
    for file_format in ("csv", "xlsx"):
        seconds, rows, size = _time_export(file_format, staff)
        rate = rows / seconds
        print(
            f"  {file_format.upper():<4} streamed through the admin   {rate:>10,.0f} rows/s   "
            f"{seconds:6.2f} s   "
            f"{size / 1e6:7.1f} MB   COPY/this {copy_rate / rate:4.1f}×   ({rows:,} rows)"
        )
    print(f"  peak RSS {_peak_rss_mb():.0f} MB (rows streamed in chunks of 2,000 from a server-side cursor)")


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else ""
    if which == "import":
        bench_import()
    elif which == "export":
        bench_export()
    else:
        for part in ("import", "export"):
            subprocess.run([sys.executable, "-m", "tests.load.bench_transfer", part], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
