"""The header and the data rows of a stored spreadsheet, read in batches."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

from django.utils.translation import gettext as _

from .columns import CleanRow, Lookups, column_positions, missing_columns, row_clean
from .sheet import HEADER_SEARCH_ROWS, sheet_rows

# The rows taken in one transaction (and checked in one go).
IMPORT_BATCH = 500


@dataclass
class Sheet:
    positions: dict[str, int] | None
    rows: Iterator[tuple[int, list[Any]]]


def sheet_read(handle: IO[bytes], file_format: str) -> Sheet:
    """The header (the first of the first rows that names a NIK column) and the data rows after it."""
    rows = sheet_rows(handle, file_format)
    for number, cells in rows:
        positions = column_positions(cells)
        if "nik" in positions:
            return Sheet(positions, rows)
        if number >= HEADER_SEARCH_ROWS:
            break
    return Sheet(None, iter(()))


def file_problems(sheet: Sheet) -> list[str]:
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


def in_batches(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def rows_clean(
    batch: list[tuple[int, list[Any]]], positions: dict[str, int], lookups: Lookups
) -> list[CleanRow]:
    return [row_clean(number, cells, positions, lookups) for number, cells in batch]
