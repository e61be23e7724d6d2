# Kept whole: one import job's steps in order; reading, checking, writing, retention are beside it.
"""Importing candidates and their applications from a BKK spreadsheet.

1. :func:`import_job_create` takes the upload: refuses what cannot be read, stores the
   file under a random name and starts the check.
2. :func:`import_job_check` (the dry run) says per row what would happen — a new candidate
   and application, an application for a registered candidate, nothing (already there),
   or every error of the row — and writes nothing but its report.
3. :func:`import_job_confirm` starts :func:`import_job_run`, which takes the valid rows in
   one transaction per batch (bulk inserts) and reports the rest.

A file of more than ``IMPORT_BACKGROUND_ROWS`` rows is checked and imported by a Celery
worker; the job's counters show the progress. Everything is keyed on the NIK and the
programme, so importing a file twice, or an overlapping one, creates nothing twice.
Reading the file is in :mod:`.reading`, the dry run in :mod:`.check`, the verdicts in
:mod:`.verdicts`, the bulk writes in :mod:`.write`, what is kept and for how long in
:mod:`.retention`. The reasons for the choices are in ``docs/adr/0005-importing-from-bkk-spreadsheets.md``.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Callable
from itertools import islice

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.models import NotificationKind
from notifications.services import notification_queue
from p2mi_portal.copy import insert_rows as _insert
from p2mi_portal.errors import Conflict, invalid
from p2mi_portal.guards import require_ministry_staff
from programs.models import PlacementTrack, Program, RecruitmentState
from programs.selectors import track_in_program

from ...models import ImportJob, ImportOutcome, ImportRow, ImportStatus, SpreadsheetFormat
from .check import import_job_check
from .columns import CleanRow, Lookups
from .reading import IMPORT_BATCH, in_batches, rows_clean, sheet_read
from .retention import file_delete_on_commit
from .sheet import sheet_format, sheet_rows, utf8_problem, xlsx_unpacked_size
from .verdicts import Verdict, count, decide, file_duplicates, job_and_lookups
from .verdicts import store_rows as _store_rows
from .write import ANALYZE_AFTER, deliveries_dispatch, statistics_refresh, write
from .write import PROFILE_FIELDS as _PROFILE_FIELDS  # noqa: F401 (its former name)

# ``_insert``, ``_store_rows``, ``_write_batch`` and ``IMPORT_BATCH`` are looked up in this module when
# used, so that a test may stand in for one of them.

logger = logging.getLogger(__name__)

# A running job that has not moved on for this long has most likely stopped: its page stops
# refreshing itself and says so (a batch takes seconds).
IMPORT_STALLED_AFTER = datetime.timedelta(minutes=5)
# A workbook unpacking to more than this is not opened in the request that uploads it (about
# 10,000 rows of sheet XML; the shared strings come on top and are held in memory).
XLSX_READ_IN_REQUEST_BYTES = 8 * 1024 * 1024


# --- Upload ------------------------------------------------------------------------------


def _recruitment_must_be_open(program: Program) -> None:
    if program.recruitment_state() != RecruitmentState.OPEN:
        raise Conflict(
            _(
                "Recruitment for this programme is not open: candidates can be imported "
                "only while they could apply themselves."
            ),
            code="recruitment_not_open",
        )


def import_job_create(
    *,
    actor: User,
    program: Program,
    track: PlacementTrack | None,
    upload: UploadedFile,
    consent_confirmed: bool,
) -> ImportJob:
    """Take an uploaded spreadsheet, or refuse it with a message; then check it (in a worker if large)."""
    require_ministry_staff(actor, _("Only ministry staff import candidates."))
    if not consent_confirmed:
        raise invalid(
            "consent",
            _("Confirm that the BKK holds every student's written consent to share their data with KP2MI."),
        )
    if track is not None and not track_in_program(track=track, program=program):
        raise invalid("track", _("Choose one of this programme's placement tracks."))
    _recruitment_must_be_open(program)
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise invalid(
            "file",
            _("The file is larger than %(limit)s MB. Split it into smaller files.")
            % {"limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)},
        )
    upload.seek(0)
    file_format = sheet_format(name=upload.name or "", head=upload.read(8))
    upload.seek(0)
    if file_format == SpreadsheetFormat.CSV:
        problem = utf8_problem(upload)
        if problem:
            raise invalid("file", problem)
        in_background = None
    else:
        # Only the archive's table of contents is read here; a workbook that unpacks to more
        # than a few megabytes is read by the worker alone, never by a web process.
        in_background = xlsx_unpacked_size(upload) > XLSX_READ_IN_REQUEST_BYTES or None
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    if in_background is None:
        # A first look: a header and at least one row; enough rows to need a worker?
        sheet = sheet_read(upload, file_format)
        counted = sum(1 for _row in islice(sheet.rows, settings.IMPORT_BACKGROUND_ROWS + 1))
        if sheet.positions is not None and counted == 0:
            raise invalid("file", _("The file has a header but no rows of candidates."))
        if sheet.positions is None and counted == 0 and not _any_rows(upload, file_format):
            raise invalid("file", _("The file has no rows."))
        in_background = counted > settings.IMPORT_BACKGROUND_ROWS
        upload.seek(0)
    now = timezone.now()
    with transaction.atomic():
        job = ImportJob(
            created_by=actor,
            program=program,
            track=track,
            original_name=(upload.name or "")[-200:],
            file_format=file_format,
            size=upload.size,
            sha256=digest.hexdigest(),
            consent_confirmed_at=now,
            language=_language(),
            in_background=in_background,
        )
        job.file.save("upload", upload, save=False)
        job.save()
    _start(job, import_job_check, "import_job_check")
    job.refresh_from_db()
    return job


def _language() -> str:
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _any_rows(upload: UploadedFile, file_format: str) -> bool:
    upload.seek(0)
    return next(sheet_rows(upload, file_format), None) is not None


def _start(job: ImportJob, work: Callable[..., ImportJob], task_name: str) -> None:
    """Run a step now (small file), or hand it to a worker once the job is saved (large file)."""
    if not job.in_background:
        work(job_id=job.pk)
        return
    from ... import tasks

    def dispatch() -> None:
        try:
            getattr(tasks, task_name).delay(job.pk)
        except Exception:  # no broker: do the work here rather than leave the job waiting
            logger.warning("import %s: %s not queued, running it in the request", job.pk, task_name)
            work(job_id=job.pk)

    transaction.on_commit(dispatch)


def previous_imports(job: ImportJob) -> list[ImportJob]:
    """Earlier imports of the very same file to the same programme."""
    return list(
        ImportJob.objects.filter(sha256=job.sha256, program_id=job.program_id, status=ImportStatus.FINISHED)
        .exclude(pk=job.pk)
        .order_by("-finished_at")
    )


# --- The import --------------------------------------------------------------------------


def import_job_confirm(*, job: ImportJob, actor: User) -> ImportJob:
    """Start importing a checked file: the valid rows are taken, the others reported again."""
    require_ministry_staff(actor, _("Only ministry staff import candidates."))
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().select_related("program").get(pk=job.pk)
        if locked.status != ImportStatus.CHECKED:
            raise Conflict(
                _("This file is %(status)s and cannot be imported now.")
                % {"status": ImportStatus(locked.status).label.lower()},
                code="not_checked",
            )
        if locked.file_errors:
            raise Conflict(
                _("This file cannot be imported: %(problems)s") % {"problems": " ".join(locked.file_errors)},
                code="file_errors",
            )
        if not locked.file:
            raise Conflict(_("The uploaded file is no longer kept; upload it again."), code="file_gone")
        _recruitment_must_be_open(locked.program)
        locked.status = ImportStatus.IMPORTING
        locked.imported_by = actor
        locked.started_at = locked.updated_at = timezone.now()
        locked.rows_done = locked.rows_new = locked.rows_existing = locked.rows_failed = (
            locked.rows_created
        ) = 0
        locked.save()
    # Each batch commits on its own, so the work starts after the confirmation is saved.
    _start(locked, import_job_run, "import_job_run")
    locked.refresh_from_db()
    return locked


def _write_batch(job: ImportJob, rows: list[CleanRow], lookups: Lookups) -> tuple[list[Verdict], list[int]]:
    """The batch in one go; if the database refuses it (someone saved the same NIK or e-mail
    meanwhile, or a value it cannot hold), nothing of it stays and each row is tried on its
    own: a row the database refuses is reported, and the import goes on."""
    try:
        with transaction.atomic():
            verdicts = decide(rows, lookups)
            return verdicts, write(job, verdicts, insert=_insert)
    except DatabaseError as exc:
        # The error's class only: its text may quote the row's values (a NIK, an e-mail address).
        logger.info(
            "import %s: the database refused a batch (%s); importing it row by row",
            job.pk,
            type(exc).__name__,
        )
    verdicts, deliveries = [], []
    for row in rows:
        try:
            with transaction.atomic():
                decided = decide([row], lookups)
                deliveries += write(job, decided, insert=_insert)
        except IntegrityError:
            decided = [
                Verdict(
                    row,
                    ImportOutcome.ERROR,
                    [
                        _(
                            "Someone saved this NIK or e-mail address at the same moment; "
                            "import the file again."
                        )
                    ],
                )
            ]
        except DatabaseError as exc:
            logger.warning(
                "import %s: the database refused row %s (%s)", job.pk, row.row_number, type(exc).__name__
            )
            decided = [
                Verdict(
                    row,
                    ImportOutcome.ERROR,
                    [_("The database refused this row (a value it cannot hold); nothing of it was saved.")],
                )
            ]
        verdicts += decided
    return verdicts, deliveries


def import_job_run(*, job_id: int) -> ImportJob:
    """Import the rows, a batch per transaction; carries on after the last finished batch if interrupted."""
    job = ImportJob.objects.get(pk=job_id)
    with translation.override(job.language):
        return _run(job_id)


def _run(job_id: int) -> ImportJob:
    job, lookups = job_and_lookups(job_id)
    if job.status != ImportStatus.IMPORTING:
        return job
    seen_nik: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    done = resume_after = job.rows_done
    skipped = batches = 0
    with job.file.open("rb") as handle:
        sheet = sheet_read(handle, job.file_format)
        for batch in in_batches(sheet.rows, IMPORT_BATCH):
            rows = rows_clean(batch, sheet.positions, lookups)
            file_duplicates(rows, seen_nik, seen_email)
            if skipped < resume_after:
                skipped += len(batch)  # taken before an interruption (the batches are always the same)
                continue
            with transaction.atomic():
                locked = ImportJob.objects.select_for_update().get(pk=job.pk)
                if locked.status != ImportStatus.IMPORTING or locked.rows_done != done:
                    return locked  # another worker is on it
                verdicts, deliveries = _write_batch(job, rows, lookups)
                ImportRow.objects.filter(job=job, row_number__in=[row.row_number for row in rows]).delete()
                _store_rows(job, verdicts)
                done += len(verdicts)
                ImportJob.objects.filter(pk=job.pk).update(
                    rows_done=done,
                    rows_created=F("rows_created")
                    + count(verdicts, ImportOutcome.CREATED, ImportOutcome.CREATED_APPLICATION),
                    rows_existing=F("rows_existing") + count(verdicts, ImportOutcome.EXISTS),
                    rows_failed=F("rows_failed") + count(verdicts, ImportOutcome.ERROR),
                    updated_at=timezone.now(),
                )
                transaction.on_commit(lambda deliveries=deliveries: deliveries_dispatch(deliveries))
            batches += 1
            if batches in ANALYZE_AFTER:
                statistics_refresh()
    return _finish(job.pk)


@transaction.atomic
def _finish(job_id: int) -> ImportJob:
    job = ImportJob.objects.select_for_update(of=("self",)).select_related("imported_by").get(pk=job_id)
    if job.status != ImportStatus.IMPORTING:
        return job
    job.status = ImportStatus.FINISHED
    job.finished_at = job.updated_at = timezone.now()
    stored = job.file.name
    job.file = ""
    job.save(update_fields=["status", "finished_at", "updated_at", "file"])
    # The file holds every NIK in full: it is not kept once imported.
    file_delete_on_commit(stored)
    if job.imported_by is not None:
        notification_queue(
            recipient=job.imported_by,
            kind=NotificationKind.IMPORT_FINISHED,
            context={
                "import_job_id": job.pk,
                "program_id": job.program_id,
                "file_name": job.original_name,
                "rows_created": job.rows_created,
                "rows_existing": job.rows_existing,
                "rows_failed": job.rows_failed,
            },
        )
    return job


def import_job_stalled(job: ImportJob, *, now: datetime.datetime | None = None) -> bool:
    """Running, and no progress for ``IMPORT_STALLED_AFTER``."""
    return job.is_running and (now or timezone.now()) - job.updated_at > IMPORT_STALLED_AFTER


def _must_be_importing(job: ImportJob) -> None:
    if job.status != ImportStatus.IMPORTING:
        raise Conflict(
            _("This file is %(status)s: only an import that stopped can be resumed or given up.")
            % {"status": ImportStatus(job.status).label.lower()},
            code="not_importing",
        )


def import_job_resume(*, job: ImportJob, actor: User) -> ImportJob:
    """Start a stopped import again (its worker died, or the page that ran it failed): it
    carries on after its last committed batch. Harmless if it is still running: the batches
    are taken under a lock, so a second run stops at once."""
    require_ministry_staff(actor, _("Only ministry staff import candidates."))
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().select_related("program").get(pk=job.pk)
        _must_be_importing(locked)
        if not locked.file:
            raise Conflict(_("The uploaded file is no longer kept; upload it again."), code="file_gone")
        _recruitment_must_be_open(locked.program)
        locked.updated_at = timezone.now()
        locked.save(update_fields=["updated_at"])
    _start(locked, import_job_run, "import_job_run")
    locked.refresh_from_db()
    return locked


@transaction.atomic
def import_job_fail(*, job: ImportJob, actor: User) -> ImportJob:
    """Give up on a stopped import. What it created stays; the rows it had not reached are
    reported as not imported, and the file is deleted (uploading it again imports the rest:
    the rows already imported show as already there)."""
    require_ministry_staff(actor, _("Only ministry staff import candidates."))
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    _must_be_importing(locked)
    now = timezone.now()
    locked.status = ImportStatus.FAILED
    locked.finished_at = locked.updated_at = now
    stored = locked.file.name
    locked.file = ""
    locked.save(update_fields=["status", "finished_at", "updated_at", "file"])
    # The dry run's "will create" of the rows not reached would no longer be true.
    with translation.override(locked.language):
        locked.rows.filter(outcome__in=[ImportOutcome.NEW, ImportOutcome.NEW_APPLICATION]).update(
            outcome=ImportOutcome.ERROR,
            messages=[_("Not imported: the import stopped before this row.")],
        )
    file_delete_on_commit(stored)
    logger.info("import %s given up after %s of %s rows", locked.pk, locked.rows_done, locked.rows_total)
    return locked
