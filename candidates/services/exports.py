"""Exporting the application list staff are looking at, as CSV or XLSX, streamed.

Rows come from a server-side cursor in chunks and leave as they are formatted, so memory
stays flat whatever the number of rows. The NIK and the phone number are masked unless
the staff member has ``candidates.export_full_nik``. Every export is recorded (who, when,
format, filters, rows, whether NIK was in full) in :class:`~candidates.models.ApplicationExport`.

Without that permission the date of birth is exported as the year only: the masked NIK hides
the birth-date digits, and a full date beside the name would give them back.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from p2mi_portal.errors import DomainError
from p2mi_portal.guards import require_ministry_staff
from p2mi_portal.indonesia import mask_nik, mask_phone

from .. import selectors
from ..models import Application, ApplicationExport, Sex, SpreadsheetFormat, Stage
from ..xlsx import CONTENT_TYPE as XLSX_CONTENT_TYPE
from ..xlsx import FORMULA_START, xlsx_stream

FULL_NIK_PERMISSION = "candidates.export_full_nik"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
CONTENT_TYPES = {SpreadsheetFormat.CSV: CSV_CONTENT_TYPE, SpreadsheetFormat.XLSX: XLSX_CONTENT_TYPE}
ROWS_PER_CHUNK = 1000
_LONG_NUMBER = re.compile(r"\d{16}")


def export_header(*, full: bool) -> list[str]:
    """The column titles, in the active language (selectors.EXPORT_FIELDS, in that order)."""
    return [
        _("Application"),
        _("Programme"),
        _("Preferred track"),
        _("Track"),
        _("Stage"),
        _("Submitted at (WIB)"),
        _("Name"),
        _("NIK"),
        _("Sex"),
        _("Date of birth") if full else _("Year of birth"),
        _("Province"),
        _("School"),
        _("NPSN"),
        _("Major"),
        _("Graduation year"),
        _("Phone"),
    ]


def export_file_name(file_format: str) -> str:
    return f"applications-{timezone.localtime():%Y%m%d-%H%M}.{file_format}"


def _recorded_filters(filters: Mapping[str, list[str]]) -> dict[str, Any]:
    # A search may be an exact NIK: the audit keeps it masked, like everything else it keeps.
    return {
        key: [_LONG_NUMBER.sub(lambda m: mask_nik(m.group()), value) for value in values]
        for key, values in filters.items()
    }


@transaction.atomic
def application_export_start(
    *, actor: User, file_format: str, filters: Mapping[str, list[str]]
) -> ApplicationExport:
    """Record an export before its first byte goes out; NIK in full only with the permission."""
    require_ministry_staff(actor, _("Only ministry staff export applications."))
    if file_format not in SpreadsheetFormat.values:
        raise DomainError(_("Export as CSV or XLSX."), code="invalid")
    return ApplicationExport.objects.create(
        exported_by=actor,
        file_format=file_format,
        filters=_recorded_filters(filters),
        full_nik=actor.has_perm(FULL_NIK_PERMISSION),
    )


def application_export_finish(*, export: ApplicationExport, row_count: int) -> None:
    """The export went out whole: its row count and the time it finished."""
    ApplicationExport.objects.filter(pk=export.pk).update(row_count=row_count, finished_at=timezone.now())


def _labels() -> tuple[dict[str, str], dict[str, str]]:
    return {stage.value: str(stage.label) for stage in Stage}, {sex.value: str(sex.label) for sex in Sex}


def _formatted(
    rows: Iterable[tuple], *, full: bool, labels: tuple[dict[str, str], dict[str, str]]
) -> Iterator[list[Any]]:
    stages, sexes = labels
    wib = timezone.get_current_timezone()
    for (
        pk,
        program,
        preferred_track,
        track,
        stage,
        submitted_at,
        name,
        nik,
        sex,
        birth_date,
        province,
        school,
        npsn,
        major,
        graduation_year,
        phone,
    ) in rows:
        yield [
            pk,
            program,
            preferred_track,
            track or "",
            stages.get(stage, stage),
            submitted_at.astimezone(wib).strftime("%Y-%m-%d %H:%M") if submitted_at else "",
            name,
            (nik or "") if full else mask_nik(nik),
            sexes.get(sex, ""),
            (birth_date.isoformat() if full else birth_date.year)
            if isinstance(birth_date, datetime.date)
            else "",
            province or "",
            school,
            npsn,
            major or "",
            graduation_year,
            (phone or "") if full else mask_phone(phone),
        ]


def _guarded(value: Any) -> Any:
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_stream(header: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """UTF-8 with a BOM (so Excel reads it as UTF-8), formula-like cells neutralised, in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield "\ufeff".encode() + buffer.getvalue().encode()
    chunk: list[list[Any]] = []
    for row in rows:
        chunk.append([_guarded(value) for value in row])
        if len(chunk) >= ROWS_PER_CHUNK:
            buffer.seek(0)
            buffer.truncate()
            writer.writerows(chunk)
            chunk.clear()
            yield buffer.getvalue().encode()
    if chunk:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(chunk)
        yield buffer.getvalue().encode()


def _is_rank(term: Any) -> bool:
    if isinstance(term, str):
        return term.lstrip("-") == "rank"
    return getattr(getattr(term, "expression", None), "name", None) == "rank"


def without_rank_order(applications: QuerySet[Application]) -> QuerySet[Application]:
    """The list's ordering without the rank, which is ordered by the application's id instead.

    A rank is a count over the whole programme (``selectors.with_rank``): ordering by it runs
    that count for every row, too slow for an export of up to a million rows. Without it in
    the ordering the rank is not computed at all (the export does not have the column).
    """
    order_by = list(applications.query.order_by)
    kept = [term for term in order_by if not _is_rank(term)]
    if len(kept) == len(order_by):
        return applications
    return applications.order_by(*[term for term in kept if term not in ("pk", "-pk", "id", "-id")], "id")


def application_export_stream(
    *, export: ApplicationExport, actor: User, applications: QuerySet[Application]
) -> Iterator[bytes]:
    """The file's bytes, made as the rows are read; the export's record is completed at the end.

    The header is built now, in the request's language; the rows are read once the
    response starts.
    """
    header = export_header(full=export.full_nik)
    labels = _labels()
    sheet_name = _("Applications")
    counted = [0]

    def rows() -> Iterator[list[Any]]:
        for row in _formatted(
            selectors.application_export_rows(actor=actor, applications=without_rank_order(applications)),
            full=export.full_nik,
            labels=labels,
        ):
            counted[0] += 1
            yield row
        application_export_finish(export=export, row_count=counted[0])

    if export.file_format == SpreadsheetFormat.XLSX:
        return xlsx_stream(header, rows(), sheet_name=sheet_name)
    return csv_stream(header, rows())
