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


# csv's own limit (128 KB a cell) ended the whole file at one long cell: raised for every
# reader in the process, so a cell over MAX_CELL is a row error instead (a cell is still
# bounded by the upload's size limit).
csv.field_size_limit(16 * 1024 * 1024)
# What a file may hold before it is refused whole (a 100,000-column CSV made a 65 MB mapping
# page) or a cell is refused as a row error (a 200,000-character cell stopped the job).
MAX_COLUMNS = 500
MAX_CELL = 10_000


def _sniff_encoding(head: bytes) -> str:
    """The encoding of a CSV from the first 64 KB of it, not its first line (a GBK file under an
    ASCII header had every Chinese row refused): a byte-order mark; UTF-8 when the sample reads
    as UTF-8 but for a few damaged bytes; else the likeliest of the encodings Chinese and
    English spreadsheets are saved in (charset-normalizer), GB18030 (a superset of GBK) when it
    cannot tell. Later rows that do not decode become row errors."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text"
    text = codecs.getincrementaldecoder("utf-8")("replace").decode(head, final=False)
    bad = text.count("\ufffd")
    if 4 * bad <= sum(1 for c in text if c > "\x7f") - bad:
        return "utf-8"  # a few damaged rows in a UTF-8 file are row errors, not another encoding
    from charset_normalizer import from_bytes

    sample = head[: head.rfind(b"\n") + 1] or head  # whole lines: no character cut in two
    best = from_bytes(sample, cp_isolation=["gb18030", "big5", "cp1252"]).best()
    return best.encoding if best is not None else "gb18030"


def _sniff_delimiter(head: bytes, encoding: str) -> str:
    """Comma, semicolon (a European Excel), tab (Excel's text export) or bar: the one that
    splits the header into the most columns with at least half the next lines agreeing;
    comma when none splits it."""
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    lines = text[: text.rfind("\n") + 1 or None].splitlines()
    lines = [line for line in lines if line.strip()][:20]
    best, best_columns = ",", 1
    for delimiter in (",", ";", "\t", "|"):
        counts = [len(cells) for cells in csv.reader(lines, delimiter=delimiter)]
        if not counts or counts[0] <= best_columns:
            continue
        rest = counts[1:]
        if not rest or 2 * sum(n == counts[0] for n in rest) >= len(rest):
            best, best_columns = delimiter, counts[0]
    return best


def read_rows(path: Path) -> tuple[list[str], Iterator[Row]]:
    """(header, rows) of a CSV (UTF-8, GBK, Big5 or UTF-16; comma, semicolon or tab between
    cells) or XLSX file."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError as exc:  # removed from the data directory, or unreadable
        raise NotASpreadsheet(
            _("The uploaded file cannot be read (%(e)s); upload it again.") % {"e": exc.strerror}
        ) from None
    if head.startswith(b"PK\x03\x04"):
        if problem := zip_problem(path, SPREADSHEET):
            raise NotASpreadsheet(problem)
        return _xlsx(path)
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if (b"\x00" in head[:4096] and not utf16) or not head.strip():
        raise NotASpreadsheet(_("This file is not a CSV or XLSX spreadsheet (or it is empty)."))
    encoding = _sniff_encoding(head)
    return _csv(path, encoding, _sniff_delimiter(head, encoding))


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
    cells = [str(h).strip() if h is not None else "" for h in header]
    while cells and not cells[-1]:
        cells.pop()  # a sheet formatted far to the right has empty header cells there
    if len(cells) > MAX_COLUMNS:
        raise NotASpreadsheet(
            _("The file has %(n)d columns; at most %(max)d can be imported.")
            % {"n": len(cells), "max": MAX_COLUMNS}
        )
    return cells


def _cell_problem(header: list[str], values: Iterable[Any]) -> str:
    """A row error for a cell longer than any field takes, naming its column."""
    for name, value in zip(header, values, strict=False):
        if isinstance(value, str) and len(value) > MAX_CELL:
            return _("column %(column)s holds %(n)d characters; at most %(max)d are read") % {
                "column": name or "?",
                "n": len(value),
                "max": MAX_CELL,
            }
    return ""


def _csv(path: Path, encoding: str, delimiter: str) -> tuple[list[str], Iterator[Row]]:
    raw = open(path, "rb")  # noqa: SIM115 (closed by the generator)
    text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = _clean_header(next(reader))
    except StopIteration:
        raw.close()
        raise NotASpreadsheet(_("The file is empty.")) from None
    except (csv.Error, NotASpreadsheet) as exc:
        raw.close()
        if isinstance(exc, NotASpreadsheet):
            raise
        raise NotASpreadsheet(_("This file is not a CSV spreadsheet: %(e)s") % {"e": exc}) from None

    def rows() -> Iterator[Row]:
        number = 1
        try:
            for number, cells in enumerate(reader, start=2):  # noqa: B007 (read after the loop)
                if not any(c.strip() for c in cells):
                    continue
                values = dict(zip(header, cells, strict=False))
                problem = _cell_problem(header, cells)
                if not problem and any("\ufffd" in c for c in cells):
                    problem = _("the row has bytes that are not %(enc)s text") % {"enc": encoding}
                yield Row(number, values, problem)
        except csv.Error as exc:
            raise NotASpreadsheet(
                _("The file cannot be read after row %(row)d: %(e)s") % {"row": number, "e": exc}
            ) from None
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
                problem = _cell_problem(header, values)
                yield Row(number, dict(zip(header, values, strict=False)), problem)
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
