"""The dry run: every row checked against the sheet's rules and the database; only the report written."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from p2mi_portal.errors import DomainError
from p2mi_portal.indonesia import mask_nik_shaped

from ...models import ImportJob, ImportOutcome, ImportRow, ImportStatus
from .reading import IMPORT_BATCH, file_problems, in_batches, rows_clean, sheet_read
from .verdicts import count, decide, file_duplicates, job_and_lookups, store_rows


def import_job_check(*, job_id: int) -> ImportJob:
    """Check every row against the sheet's rules and the database; write only the report.

    Runs again from the start if interrupted (the report is rebuilt); does nothing once checked.
    """
    job = ImportJob.objects.get(pk=job_id)
    with translation.override(job.language):
        return _check(job_id)


def _check(job_id: int) -> ImportJob:
    job, lookups = job_and_lookups(job_id)
    if job.status != ImportStatus.CHECKING:
        return job
    try:
        with job.file.open("rb") as handle:
            sheet = sheet_read(handle, job.file_format)
            problems = file_problems(sheet)
            total = sum(1 for _row in sheet.rows)
    except DomainError as exc:  # a large workbook is first unpacked here, by the worker
        problems, total = [str(exc.message)], 0
    if not problems and total == 0:
        # Said on upload for a small file; a large workbook is first read here.
        problems = [_("The file has a header but no rows of candidates.")]
    ImportRow.objects.filter(job=job).delete()
    ImportJob.objects.filter(pk=job.pk).update(
        rows_total=total,
        rows_done=0,
        rows_new=0,
        rows_existing=0,
        rows_failed=0,
        file_errors=[mask_nik_shaped(problem) for problem in problems],
        updated_at=timezone.now(),
    )
    if not problems:
        seen_nik: dict[str, int] = {}
        seen_email: dict[str, int] = {}
        with job.file.open("rb") as handle:
            sheet = sheet_read(handle, job.file_format)
            for batch in in_batches(sheet.rows, IMPORT_BATCH):
                rows = rows_clean(batch, sheet.positions, lookups)
                file_duplicates(rows, seen_nik, seen_email)
                verdicts = decide(rows, lookups)
                with transaction.atomic():
                    store_rows(job, verdicts)
                    ImportJob.objects.filter(pk=job.pk).update(
                        rows_done=F("rows_done") + len(verdicts),
                        rows_new=F("rows_new")
                        + count(verdicts, ImportOutcome.NEW, ImportOutcome.NEW_APPLICATION),
                        rows_existing=F("rows_existing") + count(verdicts, ImportOutcome.EXISTS),
                        rows_failed=F("rows_failed") + count(verdicts, ImportOutcome.ERROR),
                        updated_at=timezone.now(),
                    )
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKING).update(
        status=ImportStatus.CHECKED, checked_at=now, updated_at=now
    )
    job.refresh_from_db()
    return job
