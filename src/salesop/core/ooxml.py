"""Word and Excel files users upload are zip archives of XML: checked before any parser opens
them. The upload limits count compressed bytes, and a few kilobytes can unpack to gigabytes (a
41 KB .docx of 500,000 empty paragraphs took 39 s and 446 MB to read), so each member's
unpacked size, the total and the compression ratio are bounded from the archive's directory.
Python's zipfile, which python-docx and openpyxl read through, never unpacks a member past the
size its directory declares, so the declared sizes bound what the parsers get."""

import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

MB = 1024 * 1024


@dataclass(frozen=True)
class Bounds:
    xml_member: int  # unpacked bytes of one XML part (the document, a sheet)
    member: int  # unpacked bytes of any other part (an image)
    total: int
    ratio: int = 200  # unpacked / compressed, for parts over a megabyte
    members: int = 2000
    # a workbook's shared strings, which a reader holds whole in memory (a sheet is streamed)
    shared_strings: int | None = None


# A contract or proposal template: a long contract's document.xml is well under a megabyte.
WORD_TEMPLATE = Bounds(xml_member=4 * MB, member=20 * MB, total=50 * MB)
# A spreadsheet import: 100,000 leads make a sheet of about 60 MB, streamed; Excel keeps their
# text in a shared-strings part of about 20 MB, which is read whole (a 17 MB file whose shared
# strings unpacked to 1 GB took the reader to 1.3 GB).
SPREADSHEET = Bounds(xml_member=1024 * MB, member=50 * MB, total=1536 * MB, shared_strings=64 * MB)


def zip_problem(source, bounds: Bounds) -> str | None:
    """Why the archive (a path or a binary file) may not be opened, naming the part and the
    limit; None when it is within bounds."""
    try:
        with zipfile.ZipFile(source) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return _("The file is not a readable zip archive (.docx and .xlsx files are).")
    if len(parts) > bounds.members:
        return _("The file holds %(n)d parts; at most %(max)d are read.") % {
            "n": len(parts),
            "max": bounds.members,
        }
    total = 0
    for part in parts:
        if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or (
            part.flag_bits & 0x1  # encrypted
        ):
            return _(
                "The part %(part)s is encrypted or packed in a way that is not read (Word and "
                "Excel save parts stored or deflated)."
            ) % {"part": part.filename[:100]}
        limit = bounds.xml_member if part.filename.endswith((".xml", ".rels")) else bounds.member
        if bounds.shared_strings and part.filename.casefold().endswith("sharedstrings.xml"):
            limit = bounds.shared_strings
        total += part.file_size
        big = part.file_size > MB and part.file_size > bounds.ratio * max(part.compress_size, 1)
        if part.file_size > limit or big or total > bounds.total:
            return _(
                "The part %(part)s unpacks to %(size)s MB (%(ratio)d times its packed size); a "
                "file is read only up to %(limit)s MB a part, %(total)s MB in all and %(max)d "
                "times packed."
            ) % {
                "part": part.filename[:100],
                "size": f"{part.file_size / MB:,.1f}",
                "ratio": part.file_size // max(part.compress_size, 1),
                "limit": f"{limit / MB:,.0f}",
                "total": f"{bounds.total / MB:,.0f}",
                "max": bounds.ratio,
            }
    return None
