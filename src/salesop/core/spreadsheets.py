"""Reading and writing the files sales teams live in. Reading streams row by row, so a
100,000-row file never sits in memory; writing neutralises formula-like text."""

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree  # nosec B405 (only its ParseError is caught; openpyxl parses)

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from lxml.etree import LxmlError

from salesop.core.export import safe_cell
from salesop.core.ooxml import SPREADSHEET, zip_problem


class NotASpreadsheet(ValueError):
    """The file cannot be read as CSV or XLSX; the message says why, in the user's words."""


@dataclass
class Row:
    number: int  # as the spreadsheet program shows it (header is row 1)
    values: dict[str, Any]
    problem: str = ""  # e.g. bytes that are not text in the file's encoding


def _sniff_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) when the header line reads as UTF-8, else GB18030, a superset
    of the GBK that Excel in China saves. Later rows that do not decode become row errors."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    first_line = head.split(b"\n", 1)[0]
    try:
        first_line.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def read_rows(path: Path) -> tuple[list[str], Iterator[Row]]:
    """(header, rows) of a CSV (UTF-8, UTF-8 with BOM, or GBK) or XLSX file."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if head.startswith(b"PK\x03\x04"):
        if problem := zip_problem(path, SPREADSHEET):
            raise NotASpreadsheet(problem)
        return _xlsx(path)
    if b"\x00" in head[:4096] or not head.strip():
        raise NotASpreadsheet(_("This file is not a CSV or XLSX spreadsheet (or it is empty)."))
    return _csv(path, _sniff_encoding(head))


def count_rows(path: Path) -> int:
    """Data rows in the file (for progress bars), counted without parsing them."""
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head.startswith(b"PK\x03\x04"):
            from openpyxl import load_workbook

            if problem := zip_problem(path, SPREADSHEET):
                raise NotASpreadsheet(problem)

            book = load_workbook(path, read_only=True)
            try:
                sheet = book.worksheets[0]
                rows = sheet.max_row
                if not rows or rows <= 1:  # no dimension recorded: count them
                    rows = sum(1 for _row in sheet.iter_rows(values_only=True))
                return max(0, rows - 1)
            finally:
                book.close()
        fh.seek(0)
        lines, last = 0, b""
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last and last != b"\n":
        lines += 1  # the last row has no line break after it
    return max(0, lines - 1)


def _clean_header(header: Iterable[Any]) -> list[str]:
    return [str(h).strip() if h is not None else "" for h in header]


def _csv(path: Path, encoding: str) -> tuple[list[str], Iterator[Row]]:
    raw = open(path, "rb")  # noqa: SIM115 (closed by the generator)
    text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
    reader = csv.reader(text)
    try:
        header = _clean_header(next(reader))
    except StopIteration:
        raw.close()
        raise NotASpreadsheet(_("The file is empty.")) from None
    except csv.Error as exc:
        raw.close()
        raise NotASpreadsheet(_("This file is not a CSV spreadsheet: %(e)s") % {"e": exc}) from None

    def rows() -> Iterator[Row]:
        try:
            for number, cells in enumerate(reader, start=2):
                if not any(c.strip() for c in cells):
                    continue
                values = dict(zip(header, cells, strict=False))
                problem = ""
                if any("\ufffd" in c for c in cells):
                    problem = _("the row has bytes that are not %(enc)s text") % {"enc": encoding}
                yield Row(number, values, problem)
        finally:
            raw.close()

    return header, rows()


# What reading a sheet's rows raises when its XML is cut off or its compressed data broken
_DAMAGED = (ElementTree.ParseError, LxmlError, zipfile.BadZipFile, zlib.error, EOFError)


def _xlsx(path: Path) -> tuple[list[str], Iterator[Row]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (*_DAMAGED, KeyError, OSError, MemoryError, NotImplementedError, RuntimeError) as exc:
        raise NotASpreadsheet(
            _("This file is not a readable XLSX workbook: %(e)s") % {"e": exc}
        ) from None
    sheet = book.worksheets[0]
    cells = sheet.iter_rows(values_only=True)
    try:
        header = _clean_header(next(cells))
    except StopIteration:
        book.close()
        raise NotASpreadsheet(_("The workbook's first sheet is empty.")) from None
    except _DAMAGED as exc:  # the sheet's XML cut off or its compressed data broken
        book.close()
        raise NotASpreadsheet(
            _("This file is not a readable XLSX workbook: %(e)s") % {"e": exc}
        ) from None

    def rows() -> Iterator[Row]:
        number = 1
        try:
            for number, values in enumerate(cells, start=2):  # noqa: B007 (read after the loop)
                if not any(v not in (None, "") for v in values):
                    continue
                yield Row(number, dict(zip(header, values, strict=False)))
        except _DAMAGED as exc:
            raise NotASpreadsheet(
                _("The workbook is damaged after row %(row)d: %(e)s") % {"row": number, "e": exc}
            ) from None
        finally:
            book.close()

    return header, rows()


def write_xlsx(path_or_stream, header: list[str], rows: Iterable[Iterable[Any]]) -> None:
    """A write-only workbook (constant memory); text that looks like a formula is neutralised
    and no cell is ever stored as a formula."""
    write_xlsx_sheets(path_or_stream, [("Sheet", header, rows)])


def write_xlsx_sheets(
    path_or_stream, sheets: Iterable[tuple[str, list[str], Iterable[Iterable[Any]]]]
) -> None:
    """A write-only workbook with one sheet per (title, header, rows), cells as write_xlsx."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=_sheet_title(title))
        sheet.append(header)
        for row in rows:
            sheet.append([_xlsx_value(v) for v in row])
    book.save(path_or_stream)


def _sheet_title(title: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", str(title))[:31] or "Sheet"


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Promise):
        value = str(value)  # a lazily translated label
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        value = value.replace(tzinfo=None)  # openpyxl cannot store aware datetimes
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        # dropped before the formula check: "\x01=SUM(...)" would otherwise become a formula
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return safe_cell(value)


def write_csv(stream, header: list[str], rows: Iterable[Iterable[Any]]) -> None:
    writer = csv.writer(stream)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
