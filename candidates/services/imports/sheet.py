"""Reading a BKK spreadsheet, CSV or XLSX, one row at a time.

Whatever arrives — an empty file, binary junk, a spreadsheet under a wrong name, text that
is not UTF-8 — ends in a :class:`~p2mi_portal.errors.DomainError` with a message the
person uploading can act on, never in an exception of the parsing library. XLSX files are
read by openpyxl in read-only mode (row by row; defusedxml guards its XML parsing), and
only after :func:`xlsx_archive_problem` has looked at the archive's table of contents: an
XLSX is a zip, and a few hundred kilobytes can unpack to gigabytes (openpyxl keeps every
shared string in memory), so what the archive would unpack to is bounded before any of it
is read.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from p2mi_portal.errors import DomainError

from ...models import SpreadsheetFormat

ZIP_MAGIC = b"PK\x03\x04"
# Old binary Excel (.xls) and other OLE2 files.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A header is looked for in the first rows: BKK sheets often start with a title.
HEADER_SEARCH_ROWS = 10
# Excel itself keeps at most this many characters in a cell.
CELL_MAX_CHARACTERS = 32_767
# A workbook has a few dozen parts; thousands are no spreadsheet.
XLSX_MAX_MEMBERS = 1_000
# Sheet XML of real data packs 5–30 to one; a part that packs far tighter than this is padding
# (one cell repeated a hundred million times), refused before it is unpacked. Small parts are
# not judged by their ratio: a few kilobytes unpack to nothing worth guarding.
XLSX_MAX_RATIO = 100
XLSX_RATIO_FROM_BYTES = 1 << 20


def _unreadable(message: str) -> DomainError:
    return DomainError(message, code="unreadable_file", fields={"file": [message]})


def sheet_format(*, name: str, head: bytes) -> str:
    """The file's format, judged by its name and its first bytes; refused when they disagree."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not head:
        raise _unreadable(_("The file is empty."))
    if extension == "xls" or head.startswith(OLE2_MAGIC):
        raise _unreadable(
            _(
                "Old Excel files (.xls) cannot be read. "
                "Save the sheet as .xlsx (Excel workbook) or .csv (UTF-8)."
            )
        )
    if extension not in ("csv", "xlsx"):
        raise _unreadable(_("Upload a .csv or .xlsx file."))
    is_zip = head.startswith(ZIP_MAGIC)
    if extension == "xlsx" and not is_zip:
        raise _unreadable(_("This file is named .xlsx but is not an Excel workbook."))
    if extension == "csv" and (is_zip or b"\x00" in head):
        raise _unreadable(_("This file is named .csv but is not a text file."))
    return SpreadsheetFormat.XLSX if is_zip else SpreadsheetFormat.CSV


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


def _excel_unreadable() -> DomainError:
    return _unreadable(_("This Excel file cannot be read. Open it in Excel and save it again as .xlsx."))


def xlsx_unpacked_size(handle: IO[bytes]) -> int:
    """What the workbook unpacks to, in bytes, from its table of contents (nothing is unpacked).

    Refused with a message when it is no zip, has too many parts, a part packed tighter
    than any spreadsheet is, or unpacks to more than ``IMPORT_MAX_UNPACKED_BYTES``. The sizes
    the table of contents declares are binding: Python's zip reader stops a part at its
    declared size, so a part cannot unpack to more than it says.
    """
    position = handle.tell()
    try:
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _excel_unreadable() from exc
    finally:
        handle.seek(position)
    if len(members) > XLSX_MAX_MEMBERS:
        raise _excel_unreadable()
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > XLSX_RATIO_FROM_BYTES and member.file_size > XLSX_MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise _unreadable(
                _(
                    "This Excel file unpacks to far more than its size (%(ratio)s times): no "
                    "spreadsheet of candidates does. Save the sheet again as .xlsx or as .csv (UTF-8)."
                )
                % {"ratio": _number(member.file_size // max(member.compress_size, 1))}
            )
    if total > settings.IMPORT_MAX_UNPACKED_BYTES:
        raise _unreadable(
            _(
                "This Excel file unpacks to %(size)s MB, more than the %(limit)s MB an import may hold. "
                "Split it into smaller files."
            )
            % {
                "size": _number(round(total / (1024 * 1024))),
                "limit": settings.IMPORT_MAX_UNPACKED_BYTES // (1024 * 1024),
            }
        )
    return total


def _csv_rows(handle: IO[bytes]) -> Iterator[list[Any]]:
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    try:
        first = text.readline()
        # Excel in Indonesian settings separates with ";" (the comma is the decimal mark).
        delimiter = max((",", ";", "\t"), key=first.count)
        yield from csv.reader(_chain([first], text), delimiter=delimiter)
    except UnicodeDecodeError as exc:
        raise _unreadable(
            _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”.")
        ) from exc
    except csv.Error as exc:
        raise _unreadable(_("This CSV file cannot be read: %(problem)s.") % {"problem": exc}) from exc
    finally:
        # The caller's handle stays theirs (to seek or close); only the wrapper goes.
        if not handle.closed:
            text.detach()


def _chain(first: list[str], rest: IO[str]) -> Iterator[str]:
    yield from first
    yield from rest


def _xlsx_rows(handle: IO[bytes]) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    # Checked on upload already; checked again here because this is where it is unpacked.
    xlsx_unpacked_size(handle)
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # a broken zip, missing parts, bad XML: openpyxl raises many kinds
        raise _excel_unreadable() from exc
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        try:
            for row in sheet.iter_rows(values_only=True):
                yield list(row)
        except Exception as exc:
            raise _excel_unreadable() from exc
    finally:
        workbook.close()


_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def sheet_rows(handle: IO[bytes], file_format: str) -> Iterator[tuple[int, list[Any]]]:
    """Each row with its number as the spreadsheet shows it (the first row is 1); empty rows skipped."""
    rows = _xlsx_rows(handle) if file_format == SpreadsheetFormat.XLSX else _csv_rows(handle)
    for number, cells in enumerate(rows, start=1):
        # Control characters belong in no name, number or address, and PostgreSQL refuses NUL
        # in text: a stray one deep in a CSV would otherwise fail the whole check.
        cells = [_CONTROL_CHARACTERS.sub("", cell) if isinstance(cell, str) else cell for cell in cells]
        if any(isinstance(cell, str) and len(cell) > CELL_MAX_CHARACTERS for cell in cells):
            raise _unreadable(
                _(
                    "Row %(row)s has a cell longer than %(limit)s characters, more than a spreadsheet "
                    "cell holds. Check the row, or save the sheet again."
                )
                % {"row": number, "limit": _number(CELL_MAX_CHARACTERS)}
            )
        if any(cell is not None and str(cell).strip() for cell in cells):
            yield number, cells


def is_zip(handle: IO[bytes]) -> bool:
    position = handle.tell()
    try:
        return zipfile.is_zipfile(handle)
    finally:
        handle.seek(position)


def utf8_problem(handle: IO[bytes]) -> str | None:
    """A message when the text is not UTF-8 (checked incrementally, without reading it all at once)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    position = handle.tell()
    try:
        while chunk := handle.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”.")
    finally:
        handle.seek(position)
    return None
