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
The reasons for the choices are in ``docs/adr/0005-importing-from-bkk-spreadsheets.md``.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from notifications.models import Channel, Delivery, DeliveryStatus, Notification, NotificationKind
from notifications.services import notification_queue, outbox
from notifications.tasks import deliveries_send_batch
from p2mi_portal.errors import Conflict, DomainError, invalid
from p2mi_portal.guards import require_ministry_staff
from p2mi_portal.indonesia import mask_nik_shaped
from programs.models import PlacementTrack, Program, RecruitmentState
from programs.selectors import track_in_program

from ...consent import CONSENT_VERSION
from ...models import (
    Application,
    ApplicationEvent,
    CandidateProfile,
    ImportJob,
    ImportOutcome,
    ImportRow,
    ImportStatus,
    SpreadsheetFormat,
    Stage,
)
from .columns import CleanRow, Lookups, column_positions, eligibility_problems, missing_columns, row_clean
from .sheet import HEADER_SEARCH_ROWS, sheet_format, sheet_rows, utf8_problem, xlsx_unpacked_size

logger = logging.getLogger(__name__)

IMPORT_BATCH = 500
# A running job that has not moved on for this long has most likely stopped: its page stops
# refreshing itself and says so (a batch takes seconds).
IMPORT_STALLED_AFTER = datetime.timedelta(minutes=5)
# The consent recorded on an imported application: the BKK's written consent, confirmed by staff.
IMPORT_CONSENT_VERSION = f"bkk-{CONSENT_VERSION}"
# A workbook unpacking to more than this is not opened in the request that uploads it (about
# 10,000 rows of sheet XML; the shared strings come on top and are held in memory).
XLSX_READ_IN_REQUEST_BYTES = 8 * 1024 * 1024


# --- Reading the stored file ---------------------------------------------------------------


@dataclass
class _Sheet:
    positions: dict[str, int] | None
    rows: Iterator[tuple[int, list[Any]]]


def _sheet(handle: IO[bytes], file_format: str) -> _Sheet:
    """The header (the first of the first rows that names a NIK column) and the data rows after it."""
    rows = sheet_rows(handle, file_format)
    for number, cells in rows:
        positions = column_positions(cells)
        if "nik" in positions:
            return _Sheet(positions, rows)
        if number >= HEADER_SEARCH_ROWS:
            break
    return _Sheet(None, iter(()))


def _file_problems(sheet: _Sheet) -> list[str]:
    if sheet.positions is None:
        return [
            _(
                "No header row found: one of the first %(rows)s rows must name the columns "
                "(NIK, Nama Lengkap, Email, …; see the import page)."
            )
            % {"rows": HEADER_SEARCH_ROWS}
        ]
    return [
        _("The column “%(header)s” (%(label)s) is missing.")
        % {"header": column.header, "label": column.label}
        for column in missing_columns(sheet.positions)
    ]


def _batches(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


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
        sheet = _sheet(upload, file_format)
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


# --- Deciding, row by row ----------------------------------------------------------------


@dataclass
class Verdict:
    row: CleanRow
    outcome: str
    messages: list[str] = field(default_factory=list)
    candidate_id: int | None = None
    application_id: int | None = None


def _file_duplicates(rows: list[CleanRow], seen_nik: dict[str, int], seen_email: dict[str, int]) -> None:
    """A NIK or e-mail address that an earlier row of the file already has: an error of the later row."""
    for row in rows:
        if row.nik and row.nik in seen_nik:
            row.errors.append(_("The same NIK as row %(row)s.") % {"row": seen_nik[row.nik]})
        elif row.nik:
            seen_nik[row.nik] = row.row_number
        if row.email and row.email in seen_email:
            row.errors.append(_("The same e-mail address as row %(row)s.") % {"row": seen_email[row.email]})
        elif row.email:
            seen_email[row.email] = row.row_number


def _decide(rows: list[CleanRow], lookups: Lookups) -> list[Verdict]:
    """What the database says about each valid row: new, already there, or a clash."""
    valid = [row for row in rows if not row.errors and row.profile is not None]
    profiles = {
        nik: (pk, email, birth_date)
        for pk, nik, email, birth_date in CandidateProfile.objects.filter(
            nik__in=[row.nik for row in valid]
        ).values_list("pk", "nik", "user__email", "birth_date")
    }
    taken_emails = set(
        User.objects.filter(email__in=[row.email for row in valid]).values_list("email", flat=True)
    )
    applications = dict(
        Application.objects.filter(
            program_id=lookups.program.pk, candidate_id__in=[pk for pk, _e, _b in profiles.values()]
        ).values_list("candidate_id", "pk")
    )
    to_recheck: dict[int, Verdict] = {}
    verdicts = []
    for row in rows:
        if row.errors or row.profile is None:
            verdicts.append(Verdict(row, ImportOutcome.ERROR, list(row.errors)))
            continue
        known = profiles.get(row.nik)
        if known is None:
            if row.email in taken_emails:
                verdicts.append(
                    Verdict(
                        row,
                        ImportOutcome.ERROR,
                        [
                            _(
                                "This e-mail address belongs to another account "
                                "(with another NIK, or none yet)."
                            )
                        ],
                    )
                )
            else:
                verdicts.append(Verdict(row, ImportOutcome.NEW, [f"{row.email} · {row.track.name}"]))
            continue
        candidate_id, email, birth_date = known
        if (email or "").lower() != row.email or birth_date != row.profile.birth_date:
            verdicts.append(
                Verdict(
                    row,
                    ImportOutcome.ERROR,
                    [
                        _(
                            "This NIK is registered to an account with another e-mail address or "
                            "date of birth. Check the row, or ask the candidate."
                        )
                    ],
                )
            )
        elif candidate_id in applications:
            verdicts.append(
                Verdict(
                    row, ImportOutcome.EXISTS, [], candidate_id, application_id=applications[candidate_id]
                )
            )
        else:
            verdict = Verdict(row, ImportOutcome.NEW_APPLICATION, [row.track.name], candidate_id)
            verdicts.append(verdict)
            to_recheck[candidate_id] = verdict
    if to_recheck:
        # A registered candidate applies with the profile they keep, so its rules are checked on it.
        for profile in CandidateProfile.objects.filter(pk__in=to_recheck):
            unmet = eligibility_problems(lookups, profile)
            if unmet:
                verdict = to_recheck[profile.pk]
                verdict.outcome = ImportOutcome.ERROR
                verdict.messages = [
                    _("The registered candidate does not meet the programme's rules: %(rules)s")
                    % {"rules": " ".join(unmet)}
                ]
    return verdicts


_REPORT_NAME_LENGTH = ImportRow._meta.get_field("full_name").max_length


def _store_rows(job: ImportJob, verdicts: list[Verdict]) -> None:
    _insert(
        ImportRow,
        [
            {
                "job_id": job.pk,
                "row_number": verdict.row.row_number,
                "outcome": verdict.outcome,
                # Cells are quoted as typed, and a NIK typed into the wrong column is a NIK all
                # the same: the stored report masks every number shaped like one.
                "full_name": mask_nik_shaped(verdict.row.full_name)[:_REPORT_NAME_LENGTH],
                "masked_nik": verdict.row.masked_nik,
                "messages": [mask_nik_shaped(str(message)) for message in verdict.messages],
                "application_id": verdict.application_id,
            }
            for verdict in verdicts
        ],
    )


def _count(verdicts: list[Verdict], *outcomes: str) -> int:
    return sum(1 for verdict in verdicts if verdict.outcome in outcomes)


def _load(job_id: int) -> tuple[ImportJob, Lookups]:
    job = ImportJob.objects.select_related("track", "created_by", "imported_by").get(pk=job_id)
    job.program = Program.objects.prefetch_related("allowed_majors", "tracks").get(pk=job.program_id)
    return job, Lookups.load(program=job.program, default_track=job.track)


def _clean(batch: list[tuple[int, list[Any]]], positions: dict[str, int], lookups: Lookups) -> list[CleanRow]:
    return [row_clean(number, cells, positions, lookups) for number, cells in batch]


# --- The dry run -----------------------------------------------------------------------


def import_job_check(*, job_id: int) -> ImportJob:
    """Check every row against the sheet's rules and the database; write only the report.

    Runs again from the start if interrupted (the report is rebuilt); does nothing once checked.
    """
    job = ImportJob.objects.get(pk=job_id)
    with translation.override(job.language):
        return _check(job_id)


def _check(job_id: int) -> ImportJob:
    job, lookups = _load(job_id)
    if job.status != ImportStatus.CHECKING:
        return job
    try:
        with job.file.open("rb") as handle:
            sheet = _sheet(handle, job.file_format)
            problems = _file_problems(sheet)
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
            sheet = _sheet(handle, job.file_format)
            for batch in _batches(sheet.rows, IMPORT_BATCH):
                rows = _clean(batch, sheet.positions, lookups)
                _file_duplicates(rows, seen_nik, seen_email)
                verdicts = _decide(rows, lookups)
                with transaction.atomic():
                    _store_rows(job, verdicts)
                    ImportJob.objects.filter(pk=job.pk).update(
                        rows_done=F("rows_done") + len(verdicts),
                        rows_new=F("rows_new")
                        + _count(verdicts, ImportOutcome.NEW, ImportOutcome.NEW_APPLICATION),
                        rows_existing=F("rows_existing") + _count(verdicts, ImportOutcome.EXISTS),
                        rows_failed=F("rows_failed") + _count(verdicts, ImportOutcome.ERROR),
                        updated_at=timezone.now(),
                    )
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKING).update(
        status=ImportStatus.CHECKED, checked_at=now, updated_at=now
    )
    job.refresh_from_db()
    return job


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


def _password() -> str:
    # Unusable (the "!" prefix), and different for every account: the invitation link's
    # token is made from it, so the link stops working once a password is set.
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(20)


def _insert(model: type[models.Model], rows: list[dict[str, Any]]) -> list[int]:
    """Insert plain rows (attribute name → value) and return their ids, in order.

    On PostgreSQL the ids are drawn from the table's sequence and the rows are sent by
    ``COPY … FROM STDIN``, several times faster than an INSERT of the same rows; elsewhere
    (SQLite, locally) ``bulk_create``. Fields a row leaves out get their model default,
    so a field added later with a default needs no change here.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        return [obj.pk for obj in model.objects.bulk_create([model(**row) for row in rows])]
    from psycopg.types.json import Jsonb

    meta = model._meta
    fields = {field.attname: field for field in meta.concrete_fields if not field.primary_key}
    given = list(rows[0])
    # What Django would put there (the default, "" for text, else None); the database alone would put NULL.
    defaults = {name: field.get_default() for name, field in fields.items() if name not in given}
    json = [isinstance(fields[name], models.JSONField) for name in given]
    columns = ", ".join(connection.ops.quote_name(fields[name].column) for name in [*given, *defaults])
    table, pk = connection.ops.quote_name(meta.db_table), connection.ops.quote_name(meta.pk.column)
    # The database's errors as Django's (a unique violation is an IntegrityError), also from COPY.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        tail = tuple(
            Jsonb(value) if isinstance(fields[name], models.JSONField) else value
            for name, value in defaults.items()
        )
        with cursor.connection.cursor().copy(f"COPY {table} ({pk}, {columns}) FROM STDIN") as copy:
            for pk_value, row in zip(ids, rows, strict=True):
                values = [
                    Jsonb(value) if is_json else value
                    for value, is_json in zip(row.values(), json, strict=True)
                ]
                copy.write_row((pk_value, *values, *tail))
    return ids


_PROFILE_FIELDS = (
    "full_name",
    "nik",
    "birth_place",
    "birth_date",
    "sex",
    "phone",
    "address",
    "province_id",
    "regency",
    "school_name",
    "school_npsn",
    "major_id",
    "graduation_year",
    "average_grade",
    "education_level",
)


def _write(job: ImportJob, verdicts: list[Verdict]) -> list[int]:
    """Create what the verdicts say, with bulk inserts; the pending deliveries to send."""
    now = timezone.now()
    new = [verdict for verdict in verdicts if verdict.outcome == ImportOutcome.NEW]
    user_ids = _insert(
        User,
        [
            {
                "email": verdict.row.email,
                "full_name": verdict.row.full_name,
                "phone": verdict.row.profile.phone,
                "role": Role.CANDIDATE,
                "password": _password(),
                "language": settings.LANGUAGE_CODE,
                "is_active": False,  # until the invitation link is followed and a password set
                "is_staff": False,
                "is_superuser": False,
                "date_joined": now,
            }
            for verdict in new
        ],
    )
    profile_ids = _insert(
        CandidateProfile,
        [
            {
                **{name: getattr(verdict.row.profile, name) for name in _PROFILE_FIELDS},
                "user_id": user_id,
                "created_at": now,
                "updated_at": now,
            }
            for verdict, user_id in zip(new, user_ids, strict=True)
        ],
    )
    for verdict, profile_id in zip(new, profile_ids, strict=True):
        verdict.candidate_id = profile_id
    applying = [
        verdict
        for verdict in verdicts
        if verdict.outcome in (ImportOutcome.NEW, ImportOutcome.NEW_APPLICATION)
    ]
    application_ids = _insert(
        Application,
        [
            {
                "candidate_id": verdict.candidate_id,
                "program_id": job.program_id,
                "preferred_track_id": verdict.row.track.pk,
                "stage": Stage.SUBMITTED,
                "submitted_at": now,
                "consent_version": IMPORT_CONSENT_VERSION,
                "consent_given_at": job.consent_confirmed_at,
                "created_at": now,
                "updated_at": now,
            }
            for verdict in applying
        ],
    )
    for verdict, application_id in zip(applying, application_ids, strict=True):
        verdict.application_id = application_id
    _insert(
        ApplicationEvent,
        [
            {
                "application_id": verdict.application_id,
                "from_stage": "",
                "to_stage": Stage.SUBMITTED,
                "actor_id": job.imported_by_id,
                "reason": "",
                "data": {
                    "track": verdict.row.track.pk,
                    "consent_version": IMPORT_CONSENT_VERSION,
                    "import_job": job.pk,
                    "row": verdict.row.row_number,
                },
                "created_at": now,
            }
            for verdict in applying
        ],
    )
    # The invitation is written like any notification (the row with the event, sent after
    # commit), in bulk; it goes by e-mail only, since its link sets the password.
    notification_ids = _insert(
        Notification,
        [
            {
                "recipient_id": user_id,
                "kind": NotificationKind.ACCOUNT_INVITED,
                "context": {
                    "program_id": job.program_id,
                    "application_id": verdict.application_id,
                    "track_id": verdict.row.track.pk,
                },
                "created_at": now,
            }
            for verdict, user_id in zip(new, user_ids, strict=True)
        ],
    )
    delivery_ids = _insert(
        Delivery,
        [
            {
                "notification_id": notification_id,
                "channel": Channel.EMAIL,
                "status": DeliveryStatus.PENDING,
                "created_at": now,
            }
            for notification_id in notification_ids
        ],
    )
    registered = [verdict for verdict in applying if verdict.outcome == ImportOutcome.NEW_APPLICATION]
    if registered:
        owners = dict(
            CandidateProfile.objects.filter(pk__in=[v.candidate_id for v in registered]).values_list(
                "pk", "user_id"
            )
        )
        recipients = User.objects.in_bulk([owners[v.candidate_id] for v in registered])
        for verdict in registered:
            notification_queue(
                recipient=recipients[owners[verdict.candidate_id]],
                kind=NotificationKind.APPLICATION_RECEIVED,
                context={
                    "application_id": verdict.application_id,
                    "program_id": job.program_id,
                    "track_id": verdict.row.track.pk,
                },
            )
    for verdict in applying:
        verdict.outcome = (
            ImportOutcome.CREATED
            if verdict.outcome == ImportOutcome.NEW
            else ImportOutcome.CREATED_APPLICATION
        )
    return delivery_ids


def _write_batch(job: ImportJob, rows: list[CleanRow], lookups: Lookups) -> tuple[list[Verdict], list[int]]:
    """The batch in one go; if the database refuses it (someone saved the same NIK or e-mail
    meanwhile, or a value it cannot hold), nothing of it stays and each row is tried on its
    own: a row the database refuses is reported, and the import goes on."""
    try:
        with transaction.atomic():
            verdicts = _decide(rows, lookups)
            return verdicts, _write(job, verdicts)
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
                decided = _decide([row], lookups)
                deliveries += _write(job, decided)
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


def _dispatch_deliveries(delivery_ids: list[int]) -> None:
    # Through the outbox's pause: with the broker down, an import of many batches asks it once,
    # not once a batch; the periodic sweep sends what stays pending once the broker is back.
    if delivery_ids and not outbox.task_publish(deliveries_send_batch, delivery_ids):
        logger.warning("a batch of %s invitations stays pending", len(delivery_ids))


def import_job_run(*, job_id: int) -> ImportJob:
    """Import the rows, a batch per transaction; carries on after the last finished batch if interrupted."""
    job = ImportJob.objects.get(pk=job_id)
    with translation.override(job.language):
        return _run(job_id)


def _run(job_id: int) -> ImportJob:
    job, lookups = _load(job_id)
    if job.status != ImportStatus.IMPORTING:
        return job
    seen_nik: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    done = resume_after = job.rows_done
    skipped = batches = 0
    with job.file.open("rb") as handle:
        sheet = _sheet(handle, job.file_format)
        for batch in _batches(sheet.rows, IMPORT_BATCH):
            rows = _clean(batch, sheet.positions, lookups)
            _file_duplicates(rows, seen_nik, seen_email)
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
                    + _count(verdicts, ImportOutcome.CREATED, ImportOutcome.CREATED_APPLICATION),
                    rows_existing=F("rows_existing") + _count(verdicts, ImportOutcome.EXISTS),
                    rows_failed=F("rows_failed") + _count(verdicts, ImportOutcome.ERROR),
                    updated_at=timezone.now(),
                )
                transaction.on_commit(lambda deliveries=deliveries: _dispatch_deliveries(deliveries))
            batches += 1
            if batches in _ANALYZE_AFTER:
                _refresh_statistics()
    return _finish(job.pk)


# After these batches the written tables' statistics are refreshed (on PostgreSQL).
_ANALYZE_AFTER = frozenset({1, 4, 16, 64, 256})


def _refresh_statistics() -> None:
    """ANALYZE the tables an import fills, as a bulk load should.

    The database checks every new row's foreign keys by looking the key up. With statistics
    from when a table was empty (a young database), the planner may pick any index for that
    lookup, e.g. one whose last column is the id, and then reads the whole index per row:
    the import slows to a crawl as it grows the table. Fresh statistics keep the primary key.
    """
    if connection.vendor != "postgresql":
        return
    tables = [
        model._meta.db_table
        for model in (
            User,
            CandidateProfile,
            Application,
            ApplicationEvent,
            Notification,
            Delivery,
            ImportRow,
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))


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
    _file_delete_on_commit(stored)
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


def _file_delete_on_commit(stored: str) -> None:
    """Delete an uploaded file once the change that lets go of it commits (it holds every NIK)."""
    if stored:
        storage = ImportJob.file.field.storage
        transaction.on_commit(lambda: storage.delete(stored))


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
    _file_delete_on_commit(stored)
    logger.info("import %s given up after %s of %s rows", locked.pk, locked.rows_done, locked.rows_total)
    return locked


@transaction.atomic
def import_job_delete(*, job: ImportJob) -> None:
    """Forget an import: its report and the stored file (never the candidates it created)."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status == ImportStatus.IMPORTING:
        raise Conflict(_("This file is being imported; wait until it is finished."), code="importing")
    stored = locked.file.name
    locked.delete()
    _file_delete_on_commit(stored)


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
            _file_delete_on_commit(stored)
        forgotten += 1
    if forgotten:
        logger.info("imports: the files and reports of %s unfinished imports removed", forgotten)
    return forgotten
