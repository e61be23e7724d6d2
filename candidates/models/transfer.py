"""Importing candidates from spreadsheets, and the log of exports."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.models import PlacementTrack, Program

from .applications import Application


class SpreadsheetFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


def import_path(job: ImportJob, filename: str) -> str:
    # A random name: the stored path says nothing about the school or the people in it.
    return f"imports/{uuid.uuid4().hex}"


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Checking the file")
    CHECKED = "checked", _("Checked: waiting for confirmation")
    IMPORTING = "importing", _("Importing")
    FINISHED = "finished", _("Finished")
    # Given up by staff after it stopped (its worker died): what it created stays.
    FAILED = "failed", _("Stopped before the end")


class ImportJob(models.Model):
    """A spreadsheet of candidates from a BKK (an SMK's job-placement unit): checked, then imported.

    The uploaded file is kept under a random name until the import finishes, then deleted
    (or, if it never finishes, ``IMPORT_KEEP_DAYS`` after the job last changed); its SHA-256
    stays, so a second upload of the same file is recognised.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    program = models.ForeignKey(
        Program, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="import_jobs"
    )
    track = models.ForeignKey(
        PlacementTrack,
        verbose_name=_("track"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For rows that name no track."),
    )
    file = models.FileField(_("file"), upload_to=import_path, max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    file_format = models.CharField(_("format"), max_length=8, choices=SpreadsheetFormat.choices)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    consent_confirmed_at = models.DateTimeField(_("consent confirmed at"))
    # The report is written in the language of the page the file was uploaded from.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="id")
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.CHECKING
    )
    # Problems of the whole file (a missing column): reported once, and the file cannot be imported.
    file_errors = models.JSONField(_("problems with the file"), default=list, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_new = models.PositiveIntegerField(_("rows to create"), default=0)
    rows_existing = models.PositiveIntegerField(_("rows already there"), default=0)
    rows_failed = models.PositiveIntegerField(_("rows with errors"), default=0)
    rows_created = models.PositiveIntegerField(_("applications created"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    in_background = models.BooleanField(_("run by a worker"), default=False)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    started_at = models.DateTimeField(_("import started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Moved on by every step and every batch: a running job whose time stands still has stopped.
    updated_at = models.DateTimeField(_("last progress"), default=timezone.now)
    # A job left unfinished loses its file and its row-by-row report (names, e-mail addresses)
    # after IMPORT_KEEP_DAYS; its counts stay.
    file_removed_at = models.DateTimeField(_("file and report removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports from BKK spreadsheets")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rows_done__lte=models.F("rows_total")),
                name="import_rows_done_within_total",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def percent_done(self) -> int:
        return 100 * self.rows_done // self.rows_total if self.rows_total else 100

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING)


class ImportOutcome(models.TextChoices):
    NEW = "new", _("Will create the candidate and the application")
    NEW_APPLICATION = "new_application", _("Will create the application (the candidate is registered)")
    EXISTS = "exists", _("Already there: nothing to do")
    ERROR = "error", _("Not imported")
    CREATED = "created", _("Candidate and application created")
    CREATED_APPLICATION = "created_application", _("Application created for the registered candidate")


class ImportRow(models.Model):
    """What the check (and then the import) found for one row of the file.

    Holds the name and the masked NIK only, never the full NIK.
    """

    job = models.ForeignKey(
        ImportJob, verbose_name=_("import"), on_delete=models.CASCADE, related_name="rows"
    )
    row_number = models.PositiveIntegerField(_("row"))
    outcome = models.CharField(_("outcome"), max_length=24, choices=ImportOutcome.choices)
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    masked_nik = models.CharField(_("NIK"), max_length=16, blank=True)
    messages = models.JSONField(_("messages"), default=list, blank=True)
    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["job", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "row_number"], name="import_row_once_per_job"),
        ]
        indexes = [models.Index(fields=["job", "outcome", "row_number"], name="import_row_by_outcome")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_number} {self.outcome}"


class ApplicationExport(models.Model):
    """One export of the application list: who, when, which filters, how many rows, NIK in full or not."""

    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("exported by"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    file_format = models.CharField(_("format"), max_length=8, choices=SpreadsheetFormat.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    full_nik = models.BooleanField(_("NIK and phone in full"), default=False)

    class Meta:
        verbose_name = _("application export")
        verbose_name_plural = _("application exports")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_file_format_display()} {self.started_at:%Y-%m-%d %H:%M}"
