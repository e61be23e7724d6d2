"""A streaming XLSX writer: one worksheet, written row by row into a zip that is sent as it is made.

openpyxl and xlsxwriter finish the whole file before its first byte can go out; an export
of a million rows would sit in memory (or on disk) first. Here the worksheet XML is
generated row by row (inline strings, so no shared-string table has to be collected)
and zipstream-ng deflates it into the response as it goes.

Text is XML-escaped and stripped of the control characters XML cannot hold. A text cell
that starts like a formula (``= + - @``, tab, carriage return) is a plain string anyway
(inline strings are never evaluated) and also gets Excel's “quote prefix” style, so
editing the cell in Excel keeps it text.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from xml.sax.saxutils import escape

from zipstream import ZipStream

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_TEXT = 32767  # Excel's limit for one cell
ROWS_PER_CHUNK = 1000

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OFFICE}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_OFFICE}.styles+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_PACKAGE_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_PACKAGE_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Styles: 0 normal, 1 text with a quote prefix (looks like a formula), 2 bold (the header).
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _workbook(sheet_name: str) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", clean_text(sheet_name))[:31].strip() or "Sheet1"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f'<sheets><sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    )


def clean_text(text: str) -> str:
    """Text without the characters XML 1.0 cannot carry, within Excel's cell limit."""
    return _ILLEGAL.sub("", text)[:MAX_CELL_TEXT]


def column_letters(count: int) -> list[str]:
    letters = []
    for index in range(count):
        name, number = "", index + 1
        while number:
            number, remainder = divmod(number - 1, 26)
            name = chr(65 + remainder) + name
        letters.append(name)
    return letters


def _text_cell(ref: str, text: str, style: int = 0) -> str:
    if style == 0 and text.startswith(FORMULA_START):
        style = 1
    attributes = f' s="{style}"' if style else ""
    # Most cells are printable text without markup: a few string tests decide (a regex costs more).
    if not text.isprintable() or "&" in text or "<" in text or ">" in text:
        text = escape(clean_text(text))
    elif len(text) > MAX_CELL_TEXT:
        text = text[:MAX_CELL_TEXT]
    return f'<c r="{ref}" t="inlineStr"{attributes}><is><t xml:space="preserve">{text}</t></is></c>'


def _sheet(header: Sequence[str], rows: Iterable[Sequence[str | int | None]]) -> Iterator[bytes]:
    letters = column_letters(len(header))
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        "</sheetView></sheetViews><sheetData>"
        '<row r="1">'
        + "".join(_text_cell(f"{letters[i]}1", str(title), 2) for i, title in enumerate(header))
        + "</row>"
    ).encode()
    number = 1
    chunk: list[str] = []
    for row in rows:
        number += 1
        cells = [f'<row r="{number}">']
        for letter, value in zip(letters, row, strict=False):
            if value is None or value == "":
                continue
            if isinstance(value, int) and not isinstance(value, bool):
                cells.append(f'<c r="{letter}{number}"><v>{value}</v></c>')
            else:
                cells.append(_text_cell(f"{letter}{number}", str(value)))
        cells.append("</row>")
        chunk.append("".join(cells))
        if len(chunk) >= ROWS_PER_CHUNK:
            yield "".join(chunk).encode()
            chunk.clear()
    chunk.append("</sheetData></worksheet>")
    yield "".join(chunk).encode()


def xlsx_stream(
    header: Sequence[str], rows: Iterable[Sequence[str | int | None]], *, sheet_name: str = "Sheet1"
) -> Iterator[bytes]:
    """An XLSX workbook with one sheet, ``header`` in bold, then ``rows``: bytes made as rows are read."""
    archive = ZipStream(compress_type=zipfile.ZIP_DEFLATED, compress_level=1)
    archive.add(CONTENT_TYPES.encode(), "[Content_Types].xml")
    archive.add(PACKAGE_RELS.encode(), "_rels/.rels")
    archive.add(_workbook(sheet_name).encode(), "xl/workbook.xml")
    archive.add(WORKBOOK_RELS.encode(), "xl/_rels/workbook.xml.rels")
    archive.add(STYLES.encode(), "xl/styles.xml")
    archive.add(_sheet(header, rows), "xl/worksheets/sheet1.xml")
    yield from archive
