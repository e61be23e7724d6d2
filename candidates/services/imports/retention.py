"""What an import keeps, and for how long: the uploaded file (every NIK in full) and the report."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from p2mi_portal.errors import Conflict

from ...models import ImportJob, ImportRow, ImportStatus

logger = logging.getLogger(__name__)


def file_delete_on_commit(stored: str) -> None:
    """Delete an uploaded file once the change that lets go of it commits (it holds every NIK)."""
    if stored:
        storage = ImportJob.file.field.storage
        transaction.on_commit(lambda: storage.delete(stored))


@transaction.atomic
def import_job_delete(*, job: ImportJob) -> None:
    """Forget an import: its report and the stored file (never the candidates it created)."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status == ImportStatus.IMPORTING:
        raise Conflict(_("This file is being imported; wait until it is finished."), code="importing")
    stored = locked.file.name
    locked.delete()
    file_delete_on_commit(stored)


def import_files_forget(*, now: datetime.datetime | None = None) -> int:
    """Delete the uploaded file and the row-by-row report of every import left unfinished
    (checked but never confirmed, stopped, or given up) that has not changed for
    ``IMPORT_KEEP_DAYS``; the number of jobs. The file holds every NIK in full and the report
    names, e-mail addresses and dates of birth; the job keeps its counts and problems with the
    file. A job still running is marked stopped, since it cannot go on without its file.
    A finished import deleted its file when it finished and keeps its report of what it created.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.IMPORT_KEEP_DAYS)
    stale = ImportJob.objects.filter(updated_at__lt=cutoff, file_removed_at__isnull=True).exclude(
        status=ImportStatus.FINISHED
    )
    forgotten = 0
    for job_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            job = stale.select_for_update(skip_locked=True).filter(pk=job_id).first()
            if job is None:
                continue  # changed meanwhile, or being worked on
            stored = job.file.name
            ImportRow.objects.filter(job=job).delete()
            if job.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING):
                job.status = ImportStatus.FAILED
                job.finished_at = now
            job.file = ""
            job.file_removed_at = now
            job.save(update_fields=["status", "finished_at", "file", "file_removed_at"])
            file_delete_on_commit(stored)
        forgotten += 1
    if forgotten:
        logger.info("imports: the files and reports of %s unfinished imports removed", forgotten)
    return forgotten
