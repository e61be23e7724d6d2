"""Importing candidates from a BKK spreadsheet: the dry run, every error, the import, idempotence."""

from __future__ import annotations

import datetime
import io
import re
from unittest import mock

import pytest
from django.contrib.auth.hashers import is_password_usable
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse as django_reverse
from django.utils import timezone as django_timezone
from django.utils import translation

from accounts.models import Role, User
from candidates import tasks
from candidates.models import (
    Application,
    ApplicationEvent,
    CandidateProfile,
    ImportJob,
    ImportOutcome,
    ImportStatus,
    Stage,
)
from candidates.services import imports
from candidates.services.imports import jobs
from notifications.models import Delivery, DeliveryStatus, Notification, NotificationKind
from notifications.services import notification_render, notification_render_short
from tests.accounts.factories import UserFactory
from tests.candidates.factories import CandidateFactory, application_at

from .conftest import HEADER, csv_bytes, person, upload, xlsx_bytes

ADD = "admin:candidates_importjob_add"


def reverse(name, args=None):
    """The English address: the report is written in the language of the upload page."""
    with translation.override("en"):
        return django_reverse(name, args=args)


_committing: list = []


@pytest.fixture(autouse=True)
def on_commit_runs(django_capture_on_commit_callbacks):
    """What is handed on "on commit" (the worker's task, the e-mails) runs once the changes commit,
    as outside a test; ``committed()`` runs one request or service call that way."""
    _committing.append(django_capture_on_commit_callbacks)
    yield
    _committing.clear()


def committed(action, *args, **kwargs):
    with _committing[-1](execute=True):
        return action(*args, **kwargs)


def post_file(client, program, name, data, **fields):
    return committed(
        client.post,
        reverse(ADD),
        {"program": program.pk, "track": "", "file": upload(name, data), "consent": "on", **fields},
    )


def job_of(response) -> ImportJob:
    assert response.status_code == 302, response.content.decode()[-3000:]
    return ImportJob.objects.get(pk=int(re.search(r"/(\d+)/change/", response["Location"]).group(1)))


def outcomes(job: ImportJob) -> dict[int, tuple[str, list[str]]]:
    return {row.row_number: (row.outcome, row.messages) for row in job.rows.order_by("row_number")}


def confirm(client, job):
    return committed(client.post, reverse("admin:candidates_importjob_confirm", args=[job.pk]))


# --- The dry run ---------------------------------------------------------------------------


@pytest.fixture
def mixed_rows(program, welding):
    """One row of every kind, with the database set up for the clashes."""
    # Registered for this programme already (the same person): nothing to do.
    registered = CandidateFactory(nik="3171011508040007", birth_date=datetime.date(2004, 8, 15))
    registered.user.email = "siswa7@contoh.id"
    registered.user.save()
    application_at(Stage.SUBMITTED, program=program, candidate=registered)
    # Registered, but not for this programme: only the application is made.
    other = CandidateFactory(nik="3171011508040008", birth_date=datetime.date(2004, 8, 15))
    other.user.email = "siswa8@contoh.id"
    other.user.save()
    # The NIK of row 6 belongs to someone with another e-mail address.
    CandidateFactory(nik="3171011508040005")
    # The e-mail address of row 10 has an account without this NIK.
    UserFactory(email="siswa10@contoh.id")
    return [
        person(1),  # row 2: new
        person(2, NIK="3171011508050002"),  # row 3: birth date digits do not match
        person(3, NIK="3171011508040001", Email="lain3@contoh.id"),  # row 4: same NIK as row 2
        person(4, Jurusan="Tata Boga Antariksa"),  # row 5: unknown major
        person(5),  # row 6: NIK registered with other data
        person(6, Email="siswa1@contoh.id"),  # row 7: same e-mail as row 2
        person(7),  # row 8: exists
        person(8),  # row 9: registered candidate, new application
        person(9, **{"No HP": "12345", "Nilai Rata-rata": "", "Tahun Lulus": "1970"}),  # row 10: several
        person(10),  # row 11: e-mail taken
        person(11, **{"Nilai Rata-rata": "70"}),  # row 12: below the programme's minimum
    ]


def test_dry_run_says_per_row_what_would_happen_and_saves_nothing(staff_client, program, mixed_rows):
    users, profiles, applications = (
        User.objects.count(),
        CandidateProfile.objects.count(),
        Application.objects.count(),
    )

    job = job_of(post_file(staff_client, program, "bkk.csv", csv_bytes(mixed_rows)))

    assert job.status == ImportStatus.CHECKED
    assert (job.rows_total, job.rows_done, job.rows_new, job.rows_existing, job.rows_failed) == (
        11,
        11,
        2,
        1,
        8,
    )
    found = outcomes(job)
    assert found[2][0] == ImportOutcome.NEW
    assert found[3] == (
        ImportOutcome.ERROR,
        [
            "Digits 7 to 12 of the NIK do not match the birth date and sex given: "
            "for a man born on that date they are 150804."
        ],
    )
    assert found[4] == (ImportOutcome.ERROR, ["The same NIK as row 2."])
    assert found[5] == (
        ImportOutcome.ERROR,
        ["Unknown major: Tata Boga Antariksa. Use a major from the ministry's list (its name or code)."],
    )
    assert found[6][0] == ImportOutcome.ERROR
    assert "registered to an account with another e-mail address or date of birth" in found[6][1][0]
    assert found[7] == (ImportOutcome.ERROR, ["The same e-mail address as row 2."])
    assert found[8][0] == ImportOutcome.EXISTS
    assert found[9][0] == ImportOutcome.NEW_APPLICATION
    assert found[10] == (
        ImportOutcome.ERROR,
        [
            "This is not a valid phone number. Write it like 0812-3456-7890 or +62 812 3456 7890.",
            "The graduation year 1970 is not between 1980 and next year.",
            "Average grade is empty.",
        ],
    )
    assert found[11] == (
        ImportOutcome.ERROR,
        ["This e-mail address belongs to another account (with another NIK, or none yet)."],
    )
    assert found[12] == (
        ImportOutcome.ERROR,
        ["Does not meet the programme's rules: Your average grade is 70."],
    )
    # Nothing but the report was written.
    assert (User.objects.count(), CandidateProfile.objects.count(), Application.objects.count()) == (
        users,
        profiles,
        applications,
    )
    # The job page shows every row with its outcome; the NIK only masked.
    page = staff_client.get(reverse("admin:candidates_importjob_change", args=[job.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Unknown major: Tata Boga Antariksa" in text
    assert "3171••••••••0001" in text and "3171011508040001" not in text
    assert "Import the 2 valid rows" in text
    errors_only = staff_client.get(
        reverse("admin:candidates_importjob_change", args=[job.pk]), {"outcome": "error"}
    ).content.decode()
    assert "Unknown major" in errors_only and "Siswa 7" not in errors_only


def test_a_missing_column_is_reported_once_and_the_file_cannot_be_imported(staff_client, program):
    header = [column for column in HEADER if column not in ("Jurusan", "Email")]
    job = job_of(
        post_file(staff_client, program, "bkk.csv", csv_bytes([person(1), person(2)], header=header))
    )

    assert job.file_errors == [
        "The column “Email” (e-mail) is missing.",
        "The column “Jurusan” (major) is missing.",
    ]
    assert job.rows.count() == 0
    response = confirm(staff_client, job)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert not User.objects.filter(email="siswa1@contoh.id").exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("This file cannot be imported" in m for m in messages)


def test_a_sheet_without_a_header_row_says_so(staff_client, program):
    job = job_of(post_file(staff_client, program, "bkk.csv", b"satu;dua\ntiga;empat\n"))
    assert job.file_errors[0].startswith("No header row found")


def test_xlsx_with_title_rows_numbers_dates_and_a_numeric_nik(staff_client, program):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DATA SISWA SMK NEGERI 1 JAKARTA"])
    sheet.append(HEADER)
    row = person(1)
    cells = [row[column] for column in HEADER]
    cells[HEADER.index("NIK")] = 3171011508040001  # Excel keeps the NIK as a number
    cells[HEADER.index("Tanggal Lahir")] = datetime.datetime(2004, 8, 15)
    cells[HEADER.index("NPSN")] = 20100001
    cells[HEADER.index("Tahun Lulus")] = 2024
    cells[HEADER.index("Nilai Rata-rata")] = 82.5
    sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)

    job = job_of(post_file(staff_client, program, "bkk.xlsx", buffer.getvalue()))

    assert outcomes(job) == {3: (ImportOutcome.NEW, ["siswa1@contoh.id · Rusia"])}


def test_without_a_track_column_the_form_track_is_needed_when_the_programme_has_two(staff_client, program):
    header = [column for column in HEADER if column != "Penempatan"]
    job = job_of(post_file(staff_client, program, "bkk.csv", csv_bytes([person(1)], header=header)))
    assert outcomes(job)[2][0] == ImportOutcome.ERROR
    assert "Penempatan" in outcomes(job)[2][1][0]

    track = program.tracks.get(name="Indonesia — proyek Rusia")
    job = job_of(
        post_file(staff_client, program, "bkk.csv", csv_bytes([person(1)], header=header), track=track.pk)
    )
    assert outcomes(job)[2] == (ImportOutcome.NEW, ["siswa1@contoh.id · Indonesia — proyek Rusia"])


# --- The import ----------------------------------------------------------------------------


def test_the_import_creates_exactly_the_valid_rows(staff_client, staff, program, mixed_rows, private_media):
    job = job_of(post_file(staff_client, program, "bkk.csv", csv_bytes(mixed_rows)))
    mail.outbox.clear()
    before = Application.objects.filter(program=program).count()

    response = confirm(staff_client, job)

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.FINISHED
    assert (job.rows_created, job.rows_existing, job.rows_failed, job.rows_done) == (2, 1, 8, 11)
    assert Application.objects.filter(program=program).count() == before + 2
    # The new candidate: an account waiting to be claimed, a complete profile, a submitted application.
    user = User.objects.get(email="siswa1@contoh.id")
    assert (user.role, user.is_active, user.email_verified_at) == (Role.CANDIDATE, False, None)
    assert not is_password_usable(user.password)
    profile = user.candidate
    assert (profile.nik, profile.phone, profile.province_id, profile.sex) == (
        "3171011508040001",
        "+6281234560001",
        "31",
        "M",
    )
    assert str(profile.average_grade) == "82.50" and profile.major.code == "teknik-pengelasan"
    application = profile.applications.get()
    assert (application.stage, application.preferred_track.name) == (Stage.SUBMITTED, "Rusia")
    assert application.consent_version == imports.IMPORT_CONSENT_VERSION
    event = ApplicationEvent.objects.get(application=application)
    assert (event.from_stage, event.to_stage, event.actor) == ("", Stage.SUBMITTED, staff)
    assert event.data["import_job"] == job.pk and event.data["row"] == 2
    # The registered candidate got only the application.
    assert Application.objects.filter(program=program, candidate__nik="3171011508040008").count() == 1
    # Rows with errors created nothing.
    for email in ("siswa2@contoh.id", "siswa4@contoh.id", "lain3@contoh.id", "siswa9@contoh.id"):
        assert not User.objects.filter(email=email).exists()
    found = outcomes(job)
    assert found[2][0] == ImportOutcome.CREATED and found[9][0] == ImportOutcome.CREATED_APPLICATION
    assert job.rows.get(row_number=2).application == application
    # One invitation, by e-mail only, with a link to choose a password; the registered one is told too.
    invitation = Notification.objects.get(recipient=user)
    assert invitation.kind == NotificationKind.ACCOUNT_INVITED
    assert [d.channel for d in invitation.deliveries.all()] == ["email"]
    invited = [m for m in mail.outbox if m.to == ["siswa1@contoh.id"]]
    assert len(invited) == 1 and "/account/welcome/" in invited[0].body
    assert "SMK Go Global 2026 — RUSAL" in invited[0].body
    assert Notification.objects.filter(
        recipient__email="siswa8@contoh.id", kind=NotificationKind.APPLICATION_RECEIVED
    ).exists()
    # The staff member is told the import finished, and the file is no longer kept.
    finished = Notification.objects.get(recipient=staff, kind=NotificationKind.IMPORT_FINISHED)
    assert finished.context["rows_created"] == 2
    subject, text = notification_render(finished, language="en")
    assert subject == "Import finished: bkk.csv"
    assert "2 applications created." in text and "8 rows not imported because of errors." in text
    assert f"/en/admin/candidates/importjob/{job.pk}/change/" in text
    assert "choose a password" in notification_render_short(invitation, language="en")
    assert not job.file and not list((private_media / "imports").iterdir())


def test_importing_the_same_file_again_creates_nothing(staff_client, program):
    data = csv_bytes([person(1), person(2)])
    first = job_of(post_file(staff_client, program, "bkk.csv", data))
    confirm(staff_client, first)
    counts = (User.objects.count(), CandidateProfile.objects.count(), Application.objects.count())

    again = job_of(post_file(staff_client, program, "bkk-lagi.csv", data))

    assert (again.rows_new, again.rows_existing, again.rows_failed) == (0, 2, 0)
    page = staff_client.get(reverse("admin:candidates_importjob_change", args=[again.pk])).content.decode()
    assert "This very file was already imported" in page
    assert "Nothing to import" in page
    committed(imports.import_job_confirm, job=again, actor=again.created_by)
    again.refresh_from_db()
    assert (again.status, again.rows_created, again.rows_existing) == (ImportStatus.FINISHED, 0, 2)
    assert (User.objects.count(), CandidateProfile.objects.count(), Application.objects.count()) == counts


def test_an_overlapping_file_adds_only_the_new_rows(staff_client, program):
    confirm(
        staff_client, job_of(post_file(staff_client, program, "a.csv", csv_bytes([person(1), person(2)])))
    )
    second = job_of(
        post_file(staff_client, program, "b.xlsx", xlsx_bytes([person(2), person(3)], title_rows=2))
    )
    assert outcomes(second) == {
        4: (ImportOutcome.EXISTS, []),
        5: (ImportOutcome.NEW, ["siswa3@contoh.id · Rusia"]),
    }
    confirm(staff_client, second)
    assert Application.objects.filter(program=program).count() == 3
    assert User.objects.filter(email__startswith="siswa").count() == 3


def test_a_database_error_in_a_batch_leaves_nothing_half_saved(staff_client, program, monkeypatch):
    rows = [person(1), person(2, **{"Nama Lengkap": "Rusak"}), person(3)]
    job = job_of(post_file(staff_client, program, "bkk.csv", csv_bytes(rows)))
    real = jobs._insert

    def refuse_the_broken_row(model, rows):
        if model is Application:
            candidates = [row["candidate_id"] for row in rows]
            if CandidateProfile.objects.filter(pk__in=candidates, full_name="Rusak").exists():
                raise IntegrityError("simulated")
        return real(model, rows)

    monkeypatch.setattr(jobs, "_insert", refuse_the_broken_row)
    confirm(staff_client, job)

    job.refresh_from_db()
    assert (job.status, job.rows_created, job.rows_failed) == (ImportStatus.FINISHED, 2, 1)
    # The refused row left no account and no profile behind; its neighbours are in.
    assert not User.objects.filter(email="siswa2@contoh.id").exists()
    assert not CandidateProfile.objects.filter(full_name="Rusak").exists()
    assert set(
        Application.objects.filter(program=program).values_list("candidate__full_name", flat=True)
    ) == {
        "Siswa 1",
        "Siswa 3",
    }
    assert outcomes(job)[3] == (
        ImportOutcome.ERROR,
        ["Someone saved this NIK or e-mail address at the same moment; import the file again."],
    )


def test_large_files_are_checked_and_imported_by_the_worker_with_progress(
    staff_client, program, settings, monkeypatch
):
    settings.IMPORT_BACKGROUND_ROWS = 3
    monkeypatch.setattr(jobs, "IMPORT_BATCH", 2)
    progress = []
    real_write = jobs._write_batch

    def spy(job, rows, lookups):
        progress.append(ImportJob.objects.get(pk=job.pk).rows_done)
        return real_write(job, rows, lookups)

    monkeypatch.setattr(jobs, "_write_batch", spy)
    rows = [person(n) for n in range(1, 6)]
    with (
        mock.patch.object(tasks.import_job_check, "delay", wraps=tasks.import_job_check.delay) as check,
        mock.patch.object(tasks.import_job_run, "delay", wraps=tasks.import_job_run.delay) as run,
    ):
        job = job_of(post_file(staff_client, program, "bkk.csv", csv_bytes(rows)))
        check.assert_called_once_with(job.pk)
        assert (job.in_background, job.status, job.rows_total, job.rows_done, job.rows_new) == (
            True,
            ImportStatus.CHECKED,
            5,
            5,
            5,
        )
        confirm(staff_client, job)
        run.assert_called_once_with(job.pk)
    job.refresh_from_db()
    assert progress == [0, 2, 4]
    assert (job.status, job.rows_done, job.rows_created) == (ImportStatus.FINISHED, 5, 5)


def test_the_job_page_refreshes_itself_while_the_worker_runs(staff_client, program):
    job = job_of(post_file(staff_client, program, "bkk.csv", csv_bytes([person(1), person(2)])))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING, rows_done=1, in_background=True)
    page = staff_client.get(reverse("admin:candidates_importjob_change", args=[job.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "1 of 2 rows (50%)" in page


def test_an_interrupted_import_carries_on_after_the_last_finished_batch(staff_client, program, monkeypatch):
    monkeypatch.setattr(jobs, "IMPORT_BATCH", 2)
    job = job_of(post_file(staff_client, program, "bkk.csv", csv_bytes([person(n) for n in range(1, 6)])))
    calls = {"n": 0}
    real_write = jobs._write_batch

    def crash_on_second_batch(job, rows, lookups):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker lost")
        return real_write(job, rows, lookups)

    monkeypatch.setattr(jobs, "_write_batch", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        committed(imports.import_job_confirm, job=job, actor=job.created_by)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_created) == (ImportStatus.IMPORTING, 2, 2)

    committed(imports.import_job_run, job_id=job.pk)  # the task, retried

    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_created) == (ImportStatus.FINISHED, 5, 5)
    assert Application.objects.filter(program=program).count() == 5


def test_deleting_a_checked_job_forgets_its_report_and_its_file(staff_client, program, private_media):
    job = job_of(post_file(staff_client, program, "bkk.csv", csv_bytes([person(1)])))
    stored = private_media / job.file.name
    assert stored.exists()
    url = reverse("admin:candidates_importjob_delete", args=[job.pk])
    assert "bkk.csv" in staff_client.get(url).content.decode()

    committed(staff_client.post, url, {"post": "yes"})

    assert not ImportJob.objects.exists() and not stored.exists()
    assert not User.objects.filter(email="siswa1@contoh.id").exists()


# --- Claiming the account ------------------------------------------------------------------


def test_the_invitation_link_sets_the_password_and_works_once(client, staff_client, program):
    confirm(staff_client, job_of(post_file(staff_client, program, "bkk.csv", csv_bytes([person(1)]))))
    body = next(m.body for m in mail.outbox if m.to == ["siswa1@contoh.id"])
    link = re.search(r"https?://\S+/account/welcome/\S+/", body).group()
    path = link.split("://", 1)[1].split("/", 1)[1]
    client.logout()

    form = client.get("/" + path)
    assert form.status_code == 200 and "Siswa 1" in form.content.decode()
    response = client.post(
        "/" + path, {"new_password1": "Kata-Sandi-Baru-2026", "new_password2": "Kata-Sandi-Baru-2026"}
    )

    assert response.status_code == 302 and response["Location"].endswith("/me/profile/")
    user = User.objects.get(email="siswa1@contoh.id")
    assert (
        user.is_active and user.email_verified_at is not None and user.check_password("Kata-Sandi-Baru-2026")
    )
    client.logout()
    assert client.get("/" + path).status_code == 400


def test_an_unclaimed_account_gets_a_new_invitation_from_the_password_reset_page(
    client, staff_client, program
):
    confirm(staff_client, job_of(post_file(staff_client, program, "bkk.csv", csv_bytes([person(1)]))))
    mail.outbox.clear()
    client.logout()
    committed(client.post, reverse("accounts:password_reset"), {"email": "siswa1@contoh.id"})
    assert [m.to for m in mail.outbox] == [["siswa1@contoh.id"]]
    assert "/account/welcome/" in mail.outbox[0].body


# --- What is refused -------------------------------------------------------------------------


def _empty_xlsx() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bkk.csv", b"", "The submitted file is empty."),
        ("bkk.csv", b"\x00\x01\x02\xff" * 100, "This file is named .csv but is not a text file."),
        ("bkk.pdf", b"%PDF-1.7 junk", "Upload a .csv or .xlsx file."),
        ("bkk", b"NIK;Nama\n", "Upload a .csv or .xlsx file."),
        (
            "bkk.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
            "Old Excel files (.xls) cannot be read.",
        ),
        ("bkk.xlsx", b"NIK;Nama\n1;2\n", "This file is named .xlsx but is not an Excel workbook."),
        ("bkk.xlsx", b"PK\x03\x04" + b"rusak" * 50, "This Excel file cannot be read."),
        ("bkk.csv", b"PK\x03\x04" + b"rusak" * 50, "This file is named .csv but is not a text file."),
        ("bkk.xlsx", _empty_xlsx(), "The file has no rows."),
        (
            "bkk.csv",
            "NIK;Nama Lengkap\n3171011508040001;José\n".encode("cp1252"),
            "The file is not UTF-8 text.",
        ),
        ("bkk.csv", csv_bytes([]), "The file has a header but no rows of candidates."),
        ("bkk.csv", b"\n\n\n", "The file has no rows."),
    ],
)
def test_malformed_uploads_get_a_message_never_an_error_page(staff_client, program, name, data, message):
    response = post_file(staff_client, program, name, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_upload_over_the_size_limit_is_refused(staff_client, program, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = post_file(staff_client, program, "bkk.csv", csv_bytes([person(1), person(2)]))
    assert (
        "The file is larger than 0 MB" in response.content.decode()
        or "larger than" in response.content.decode()
    )
    assert not ImportJob.objects.exists()


def test_consent_and_open_recruitment_are_required(staff_client, program):
    response = staff_client.post(
        reverse(ADD), {"program": program.pk, "file": upload("bkk.csv", csv_bytes([person(1)]))}
    )
    assert "written consent" in response.content.decode()
    program.recruitment_closes = program.recruitment_opens
    program.recruitment_opens = program.recruitment_opens - datetime.timedelta(days=30)
    program.recruitment_closes = program.recruitment_opens + datetime.timedelta(days=1)
    program.save()
    response = post_file(staff_client, program, "bkk.csv", csv_bytes([person(1)]))
    assert "Recruitment for this programme is not open" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_only_staff_reach_the_import_pages(client, staff_client, program):
    job = job_of(post_file(staff_client, program, "bkk.csv", csv_bytes([person(1)])))
    candidate = CandidateFactory()
    for user in (None, candidate.user):
        client.logout()
        if user:
            client.force_login(user)
        for url in (
            reverse(ADD),
            reverse("admin:candidates_importjob_change", args=[job.pk]),
            reverse("admin:candidates_importjob_confirm", args=[job.pk]),
        ):
            response = client.post(url) if url.endswith("/import/") else client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED


@pytest.mark.postgres
def test_rows_sent_by_copy_are_refused_by_the_constraints_as_a_whole(db):
    """On PostgreSQL the rows go by COPY: a unique violation is Django's IntegrityError and saves nothing."""
    from django.db import transaction

    rows = [
        {
            "email": "kembar@contoh.id",
            "full_name": "A",
            "role": Role.CANDIDATE,
            "password": "!x",
            "is_active": False,
        }
        for _ in range(2)
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        jobs._insert(User, rows)
    assert not User.objects.filter(email="kembar@contoh.id").exists()
    ids = jobs._insert(User, rows[:1])
    user = User.objects.get(pk=ids[0])
    assert (user.email, user.language, user.is_staff, user.phone) == ("kembar@contoh.id", "id", False, "")


def test_control_characters_inside_a_csv_are_dropped_not_an_error_page(staff_client, program):
    data = csv_bytes([person(1), person(2, **{"Nama Lengkap": "Siswa\x00 Dua\x07"})])
    job = job_of(post_file(staff_client, program, "bkk.csv", data))
    rows = {row.row_number: row for row in job.rows.all()}
    assert rows[3].full_name == "Siswa Dua"
    assert rows[3].outcome == rows[2].outcome


# --- Values the database cannot hold; an import that stopped -------------------------------

LONG_EMAIL = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".id"  # 259: valid, too long


def test_values_longer_than_their_fields_are_refused_by_the_dry_run(staff_client, program):
    """Django's e-mail check allows 320 characters, the account 254: the dry run says so, and
    every other column is checked against the field it is saved to."""
    rows = [
        person(1, Email=LONG_EMAIL),
        person(
            2,
            **{
                "Nama Lengkap": "N" * 151,
                "Tempat Lahir": "T" * 101,
                "Kabupaten/Kota": "K" * 101,
                "Nama Sekolah": "S" * 151,
            },
        ),
        person(3),
    ]
    job = job_of(post_file(staff_client, program, "bkk.csv", csv_bytes(rows)))

    found = outcomes(job)
    assert found[2] == (ImportOutcome.ERROR, ["E-mail is longer than 254 characters (259)."])
    assert found[3] == (
        ImportOutcome.ERROR,
        [
            "Full name is longer than 150 characters (151).",
            "Place of birth is longer than 100 characters (101).",
            "Regency / city is longer than 100 characters (101).",
            "School name is longer than 150 characters (151).",
        ],
    )
    assert job.rows.get(row_number=3).full_name == "N" * 150  # the report keeps what fits
    assert found[4][0] == ImportOutcome.NEW

    response = confirm(staff_client, job)

    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.rows_created, job.rows_failed) == (ImportStatus.FINISHED, 1, 2)
    assert not User.objects.filter(email=LONG_EMAIL).exists()
    assert User.objects.filter(email="siswa3@contoh.id").exists()


def test_a_row_the_database_refuses_is_reported_and_the_import_finishes(staff_client, program, monkeypatch):
    from django.db import DataError

    rows = [person(1), person(2, **{"Nama Lengkap": "Rusak"}), person(3)]
    job = job_of(post_file(staff_client, program, "bkk.csv", csv_bytes(rows)))
    real = jobs._insert

    def refuse_the_broken_row(model, rows):
        if model is CandidateProfile and any(row["full_name"] == "Rusak" for row in rows):
            raise DataError("value too long")
        return real(model, rows)

    monkeypatch.setattr(jobs, "_insert", refuse_the_broken_row)
    response = confirm(staff_client, job)

    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.rows_created, job.rows_failed) == (ImportStatus.FINISHED, 2, 1)
    assert not User.objects.filter(email="siswa2@contoh.id").exists()
    assert outcomes(job)[3] == (
        ImportOutcome.ERROR,
        ["The database refused this row (a value it cannot hold); nothing of it was saved."],
    )


@pytest.mark.postgres
def test_on_postgres_a_value_too_long_for_its_column_does_not_stop_the_import(
    staff_client, program, monkeypatch, caplog
):
    """Should a value ever get past the dry run, COPY's DataError is the row's error, not a
    stuck job and an error page; and the log does not quote the value."""
    from candidates.services.imports import columns

    monkeypatch.setitem(columns.MAX_LENGTHS, "email", 1000)
    job = job_of(
        post_file(staff_client, program, "bkk.csv", csv_bytes([person(1), person(2, Email=LONG_EMAIL)]))
    )
    assert job.rows_new == 2

    response = confirm(staff_client, job)

    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.rows_created, job.rows_failed) == (ImportStatus.FINISHED, 1, 1)
    assert outcomes(job)[3][0] == ImportOutcome.ERROR
    assert User.objects.filter(email="siswa1@contoh.id").exists()
    assert not User.objects.filter(email=LONG_EMAIL).exists()
    assert "DataError" in caplog.text and LONG_EMAIL not in caplog.text


def _stopped(staff_client, program, monkeypatch) -> ImportJob:
    """An import whose page request hit a database error after its first batch (of two)."""
    from django.db import OperationalError

    monkeypatch.setattr(jobs, "IMPORT_BATCH", 2)
    job = job_of(post_file(staff_client, program, "bkk.csv", csv_bytes([person(n) for n in range(1, 5)])))
    real_store = jobs._store_rows
    calls = {"n": 0}

    def lose_the_connection(job, verdicts):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real_store(job, verdicts)

    monkeypatch.setattr(jobs, "_store_rows", lose_the_connection)
    response = confirm(staff_client, job)
    monkeypatch.setattr(jobs, "_store_rows", real_store)
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "The import stopped because of a database error." in messages[-1]
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_created) == (ImportStatus.IMPORTING, 2, 2)
    return job


def test_a_stopped_import_is_resumed_from_its_page(staff_client, program, monkeypatch):
    job = _stopped(staff_client, program, monkeypatch)
    page = staff_client.get(reverse("admin:candidates_importjob_change", args=[job.pk])).content.decode()
    assert "Resume the import" in page and "Give the import up" in page

    response = committed(staff_client.post, reverse("admin:candidates_importjob_resume", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_created) == (ImportStatus.FINISHED, 4, 4)
    assert Application.objects.filter(program=program).count() == 4
    # Only a stopped import is resumed.
    response = committed(staff_client.post, reverse("admin:candidates_importjob_resume", args=[job.pk]))
    assert "only an import that stopped can be resumed" in str(list(response.wsgi_request._messages)[-1])


def test_a_stopped_import_is_given_up_keeping_what_it_created(
    staff_client, program, monkeypatch, private_media
):
    job = _stopped(staff_client, program, monkeypatch)
    stored = private_media / job.file.name
    assert stored.exists()

    response = committed(staff_client.post, reverse("admin:candidates_importjob_fail", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_created) == (ImportStatus.FAILED, 2, 2)
    assert job.finished_at is not None and not job.file and not stored.exists()
    assert Application.objects.filter(program=program).count() == 2
    assert outcomes(job)[4] == (ImportOutcome.ERROR, ["Not imported: the import stopped before this row."])
    assert outcomes(job)[2][0] == ImportOutcome.CREATED
    page = staff_client.get(reverse("admin:candidates_importjob_change", args=[job.pk])).content.decode()
    assert "This import was given up after 2 of 4 rows" in page and "Resume the import" not in page
    # Given up, it can be deleted; uploading the file again imports the rest.
    committed(staff_client.post, reverse("admin:candidates_importjob_delete", args=[job.pk]), {"post": "yes"})
    assert not ImportJob.objects.filter(pk=job.pk).exists()
    again = job_of(post_file(staff_client, program, "bkk.csv", csv_bytes([person(n) for n in range(1, 5)])))
    assert (again.rows_new, again.rows_existing) == (2, 2)


def test_only_staff_who_may_change_imports_resume_or_give_up(client, staff_client, program, monkeypatch):
    from django.contrib.auth.models import Permission

    job = _stopped(staff_client, program, monkeypatch)
    reader = UserFactory(email="baca@p2mi.go.id", role=Role.STAFF, is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_importjob"))
    client.force_login(reader)
    page = client.get(reverse("admin:candidates_importjob_change", args=[job.pk])).content.decode()
    assert "Resume the import" not in page
    for name in ("admin:candidates_importjob_resume", "admin:candidates_importjob_fail"):
        assert client.post(reverse(name, args=[job.pk])).status_code == 403
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTING


# --- Files of imports left unfinished ------------------------------------------------------


def _age(job: ImportJob, days: float) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        updated_at=django_timezone.now() - datetime.timedelta(days=days)
    )


def test_files_and_reports_of_unfinished_imports_are_removed_after_the_keep_days(
    staff_client, program, monkeypatch, private_media, settings
):
    settings.IMPORT_KEEP_DAYS = 7
    checked = job_of(
        post_file(staff_client, program, "dicek.csv", csv_bytes([person(1), person(2, Email="x")]))
    )
    recent = job_of(post_file(staff_client, program, "baru.csv", csv_bytes([person(3)])))
    stopped = _stopped(staff_client, program, monkeypatch)
    finished = job_of(post_file(staff_client, program, "selesai.csv", csv_bytes([person(9)])))
    confirm(staff_client, finished)
    files = {job.pk: private_media / job.file.name for job in (checked, recent, stopped)}
    for job in (checked, stopped, finished):
        _age(job, 7.1)
    _age(recent, 6.9)

    assert committed(tasks.import_files_forget.delay).get() == 2

    checked.refresh_from_db()
    assert (checked.status, checked.file.name, checked.file_removed_at is not None) == (
        ImportStatus.CHECKED,
        "",
        True,
    )
    assert not files[checked.pk].exists() and not checked.rows.exists()
    # The counts stay.
    assert (checked.rows_total, checked.rows_new, checked.rows_failed) == (2, 1, 1)
    stopped.refresh_from_db()
    assert (stopped.status, stopped.rows_created, stopped.file.name) == (ImportStatus.FAILED, 2, "")
    assert not files[stopped.pk].exists() and not stopped.rows.exists()
    # What the stopped one created stays (2), beside the finished one's (1).
    assert Application.objects.filter(program=program).count() == 3
    # Newer than the keep days: kept; a finished import keeps its report.
    recent.refresh_from_db()
    assert recent.file and files[recent.pk].exists() and recent.rows.count() == 1
    assert recent.file_removed_at is None
    assert finished.rows.count() == 1 and ImportJob.objects.get(pk=finished.pk).file_removed_at is None
    # Running again changes nothing.
    assert committed(imports.import_files_forget) == 0

    page = staff_client.get(reverse("admin:candidates_importjob_change", args=[checked.pk])).content.decode()
    assert "The uploaded file and the row-by-row report were removed on" in page
    assert "7 days after the import last changed" in page
    assert "2 rows: 1 to create" in page  # the counts
    assert "Import the 1 valid row" not in page and "Nothing to import" not in page
    response = confirm(staff_client, checked)
    assert "no longer kept" in str(list(response.wsgi_request._messages)[-1])


def test_the_keep_days_come_from_the_environment_and_the_job_runs_daily(settings):
    from celery.schedules import crontab

    from p2mi_portal.celery import app

    assert settings.IMPORT_KEEP_DAYS == 7
    entry = settings.CELERY_BEAT_SCHEDULE["forget-unfinished-import-files"]
    assert entry["task"] == "candidates.tasks.import_files_forget" and entry["task"] in app.tasks
    assert entry["schedule"] == crontab(hour=2, minute=30)


# --- Deleting a job --------------------------------------------------------------------------


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def test_a_job_being_imported_is_not_deleted_and_no_success_is_claimed(staff_client, program, monkeypatch):
    from django.contrib.admin.models import DELETION, LogEntry

    job = _stopped(staff_client, program, monkeypatch)
    url = reverse("admin:candidates_importjob_delete", args=[job.pk])

    page = staff_client.get(url)
    assert page.status_code == 200
    assert "being imported; wait until it is finished, or give it up on its page." in page.content.decode()
    response = committed(staff_client.post, url, {"post": "yes"}, follow=True)

    assert ImportJob.objects.filter(pk=job.pk, status=ImportStatus.IMPORTING).exists()
    assert not any("deleted successfully" in message for message in _messages(response))
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()


def test_deleting_several_jobs_refuses_all_if_one_is_being_imported(staff_client, program, monkeypatch):
    running = _stopped(staff_client, program, monkeypatch)
    checked = job_of(post_file(staff_client, program, "lain.csv", csv_bytes([person(7)])))
    changelist = reverse("admin:candidates_importjob_changelist")

    response = committed(
        staff_client.post,
        changelist,
        {"action": "delete_selected", "_selected_action": [running.pk, checked.pk], "post": "yes"},
    )

    assert "being imported" in response.content.decode()
    assert ImportJob.objects.filter(pk__in=[running.pk, checked.pk]).count() == 2
    assert not any("Successfully deleted" in message for message in _messages(response))
    # Without the running one, the others go.
    response = committed(
        staff_client.post,
        changelist,
        {"action": "delete_selected", "_selected_action": [checked.pk], "post": "yes"},
    )
    assert not ImportJob.objects.filter(pk=checked.pk).exists()
    assert any("Successfully deleted 1" in message for message in _messages(response))


def test_a_job_that_starts_importing_while_being_deleted_is_kept_with_a_message(
    staff_client, program, monkeypatch
):
    """The confirmation page saw it checked; by the time of the deletion it is importing."""
    from django.contrib.admin.models import DELETION, LogEntry

    from p2mi_portal.errors import Conflict

    job = job_of(post_file(staff_client, program, "bkk.csv", csv_bytes([person(1)])))

    def started_meanwhile(*, job):
        raise Conflict("This file is being imported; wait until it is finished.", code="importing")

    monkeypatch.setattr(imports, "import_job_delete", started_meanwhile)
    url = reverse("admin:candidates_importjob_delete", args=[job.pk])
    response = committed(staff_client.post, url, {"post": "yes"})

    assert response.status_code == 302
    assert ImportJob.objects.filter(pk=job.pk).exists()
    assert _messages(response) == ["This file is being imported; wait until it is finished."]
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()


def test_the_page_of_a_stalled_import_stops_refreshing_and_says_so(staff_client, program, monkeypatch):
    job = _stopped(staff_client, program, monkeypatch)
    address = reverse("admin:candidates_importjob_change", args=[job.pk])
    page = staff_client.get(address).content.decode()
    assert '<meta http-equiv="refresh"' in page and "no progress for several minutes" not in page

    _age(job, 6 / (24 * 60))  # six minutes without a batch

    page = staff_client.get(address).content.decode()
    assert '<meta http-equiv="refresh"' not in page
    assert "no progress for several minutes: the worker has most likely stopped" in page
    assert "Resume the import" in page


def test_with_the_broker_down_an_import_asks_it_once_and_leaves_the_invitations_pending(
    staff_client, program, monkeypatch, broker, clock
):
    monkeypatch.setattr(jobs, "IMPORT_BATCH", 2)
    job = job_of(post_file(staff_client, program, "bkk.csv", csv_bytes([person(n) for n in range(1, 7)])))

    confirm(staff_client, job)

    job.refresh_from_db()
    assert (job.status, job.rows_created) == (ImportStatus.FINISHED, 6)
    # Three batches, each with its invitations; the first refused publish pauses the others.
    assert len(broker.published) == 1
    invitations = Delivery.objects.filter(notification__kind=NotificationKind.ACCOUNT_INVITED)
    assert [delivery.status for delivery in invitations] == [DeliveryStatus.PENDING] * 6
