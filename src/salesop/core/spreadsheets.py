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
    column: str = ""  # the column the problem is in ("": the whole row)


# csv's own limit (128 KB a cell) ended the whole file at one long cell: raised for every
# reader in the process, so a cell over MAX_CELL is a row error instead (a cell is still
# bounded by the upload's size limit).
csv.field_size_limit(16 * 1024 * 1024)
# What a file may hold before it is refused whole (a 100,000-column CSV made a 65 MB mapping
# page) or a cell is refused as a row error (a 200,000-character cell stopped the job).
MAX_COLUMNS = 500
MAX_CELL = 10_000


SAMPLE = 65536


def _text_lines(path: Path) -> bytes:
    """Up to 64 KB of the file's lines that hold text beyond ASCII, from wherever they are:
    what tells an encoding (a GBK file whose first 2,500 rows are ASCII had its Chinese rows
    refused). Reads the whole file only when it is all ASCII."""
    sample = bytearray()
    with open(path, "rb") as fh:
        for line in fh:
            if not line.isascii():
                sample += line
                if len(sample) >= SAMPLE:
                    break
    return bytes(sample)


def _sniff_encoding(head: bytes, path: Path) -> str:
    """The encoding of a CSV: a byte-order mark; else UTF-8 when more of its non-ASCII lines
    read as UTF-8 than not (a damaged row in a UTF-8 file is a row error, not a reason to read
    the whole file as another encoding); else the likeliest of the encodings Chinese and English
    spreadsheets are saved in (charset-normalizer), GB18030 (a superset of GBK) when it cannot
    tell. Later rows that do not decode become row errors."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text"
    sample = _text_lines(path)
    if not sample:
        return "utf-8"  # all ASCII
    valid = invalid = 0
    for line in sample.splitlines():
        try:
            line.decode("utf-8")
            valid += 1
        except UnicodeDecodeError:
            invalid += 1
    if valid > invalid:
        return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=["gb18030", "big5", "cp1252"]).best()
    return best.encoding if best is not None else "gb18030"


def _sniff_delimiter(lines: list[str]) -> str:
    """Comma, semicolon (a European Excel), tab (Excel's text export) or bar: the one that
    splits the header into the most columns with at least half the next lines agreeing (empty
    cells at a line's end not counted); comma when none splits it."""
    lines = [line for line in lines if line.strip()][:20]
    best, best_columns = ",", 1
    for delimiter in (",", ";", "\t", "|"):
        counts = [len(_trimmed(cells)) for cells in csv.reader(lines, delimiter=delimiter)]
        if not counts or counts[0] <= best_columns:
            continue
        rest = counts[1:]
        if not rest or 2 * sum(n == counts[0] for n in rest) >= len(rest):
            best, best_columns = delimiter, counts[0]
    return best


def _trimmed(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def read_rows(path: Path) -> tuple[list[str], Iterator[Row]]:
    """(header, rows) of a CSV (UTF-8, GBK, Big5 or UTF-16; comma, semicolon, tab or bar
    between cells; Excel's `sep=` line understood) or XLSX file."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(SAMPLE)
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
    encoding = _sniff_encoding(head, path)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    lines = text[: text.rfind("\n") + 1 or None].splitlines()
    first = lines[0].strip().lstrip("\ufeff").casefold() if lines else ""
    if first.startswith("sep=") and len(first) == 5:  # Excel's hint line: "sep=;"
        return _csv(path, encoding, lines[0].strip()[-1], skip=1)
    return _csv(path, encoding, _sniff_delimiter(lines))


def count_rows(path: Path) -> int:
    """Data rows in the file (for progress bars), counted without parsing them."""
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head.startswith(b"PK\x03\x04"):
            from openpyxl import load_workbook

            if problem := zip_problem(path, SPREADSHEET):
                raise NotASpreadsheet(problem)

            try:
                book = load_workbook(fh, read_only=True)
                try:
                    sheet = book.worksheets[0]
                    rows = sheet.max_row
                    if not rows or rows <= 1:  # no dimension recorded: count them
                        rows = sum(1 for _row in sheet.iter_rows(values_only=True))
                    return max(0, rows - 1)
                finally:
                    book.close()
            except (*_DAMAGED, KeyError) as exc:
                raise NotASpreadsheet(str(exc)) from None
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
    # a name the header repeats is told apart (phone, phone (2)): the second column's cells
    # silently replaced the first's
    seen: set[str] = set()
    for i, name in enumerate(cells):
        if name and name in seen:
            number = 2
            while f"{name} ({number})" in seen or f"{name} ({number})" in cells:
                number += 1
            cells[i] = f"{name} ({number})"
        seen.add(cells[i])
    return cells


def _cell_problem(header: list[str], values: Iterable[Any]) -> tuple[str, str]:
    """The column of a cell longer than any field takes, and the row error saying so."""
    for name, value in zip(header, values, strict=False):
        if isinstance(value, str) and len(value) > MAX_CELL:
            return name, _("column %(column)s holds %(n)d characters; at most %(max)d are read") % {
                "column": name or "?",
                "n": len(value),
                "max": MAX_CELL,
            }
    return "", ""


def _csv(
    path: Path, encoding: str, delimiter: str, skip: int = 0
) -> tuple[list[str], Iterator[Row]]:
    raw = open(path, "rb")  # noqa: SIM115 (closed by the generator)
    text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
    for _line in range(skip):
        text.readline()
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
                column, problem = _cell_problem(header, cells)
                if problem and any(c.count("\n") > 50 for c in cells if len(c) > MAX_CELL):
                    raise NotASpreadsheet(
                        _(
                            "Row %(row)d opens a quotation mark that is never closed: the rest "
                            "of the file was read into one cell. Close it and upload again."
                        )
                        % {"row": number}
                    )
                if not problem and any("\ufffd" in c for c in cells):
                    problem = _("the row has bytes that are not %(enc)s text") % {"enc": encoding}
                yield Row(number, values, problem, column)
        except csv.Error as exc:
            raise NotASpreadsheet(
                _("The file cannot be read after row %(row)d: %(e)s") % {"row": number, "e": exc}
            ) from None
        finally:
            raw.close()

    return header, rows()


# What reading a sheet's rows raises when its XML is cut off or its compressed data broken, or
# a cell's reference or value is not what Excel writes (r="ZZZZ1": ValueError)
_DAMAGED = (
    ElementTree.ParseError,
    LxmlError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ValueError,
    TypeError,
)


def _xlsx(path: Path) -> tuple[list[str], Iterator[Row]]:
    from openpyxl import load_workbook

    # the file itself, not its name: openpyxl refuses a workbook uploaded as "x.csv"
    stream = open(path, "rb")  # noqa: SIM115 (closed with the book)
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except (*_DAMAGED, KeyError, OSError, MemoryError, NotImplementedError, RuntimeError) as exc:
        stream.close()
        raise NotASpreadsheet(
            _("This file is not a readable XLSX workbook: %(e)s") % {"e": exc}
        ) from None
    sheet = book.worksheets[0]
    cells = sheet.iter_rows(values_only=True)
    try:
        header = _clean_header(next(cells))
    except StopIteration:
        book.close()
        stream.close()
        raise NotASpreadsheet(_("The workbook's first sheet is empty.")) from None
    except _DAMAGED as exc:  # the sheet's XML cut off or its compressed data broken
        book.close()
        stream.close()
        raise NotASpreadsheet(
            _("This file is not a readable XLSX workbook: %(e)s") % {"e": exc}
        ) from None

    def rows() -> Iterator[Row]:
        number = 1
        try:
            for number, values in enumerate(cells, start=2):  # noqa: B007 (read after the loop)
                if not any(v not in (None, "") for v in values):
                    continue
                column, problem = _cell_problem(header, values)
                yield Row(number, dict(zip(header, values, strict=False)), problem, column)
        except _DAMAGED as exc:
            raise NotASpreadsheet(
                _("The workbook is damaged after row %(row)d: %(e)s") % {"row": number, "e": exc}
            ) from None
        finally:
            book.close()
            stream.close()

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
        sheet.append([_xlsx_value(v) for v in header])  # a header can hold a person's text too
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
    writer.writerow([safe_cell(v) for v in header])  # a custom field's label is a person's text
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
