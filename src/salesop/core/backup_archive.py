"""What a backup archive holds, and its unpacking, bounded: each member checked at its header
before its data is read (no path out of the folder, no link, device or sparse file, nothing a
backup does not write), the total against SALESOP_RESTORE_MAX_MB and the free disk space, the
manifest validated before anything trusts it."""

import shutil
import tarfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from salesop.core.errors import DomainError

DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


MANIFEST = "manifest.json"


MEDIA = "media"


SHA256 = r"^[0-9a-f]{64}$"


# The manifest is about 100 bytes per uploaded file: 32 MB names some 300,000 of them.
MANIFEST_MAX_BYTES = 32 * 1024 * 1024


# Each member counts as at least one disk block: a million empty files are not free.
BLOCK = 4096


# A backup's member names are a few hundred bytes: a longer extended header (pax, or GNU's
# long name or link) is not one of ours, and tarfile reads such a header whole into memory
# before the member it describes can be checked.
EXTENDED_HEADER_MAX_BYTES = 64 * 1024


EXTENDED_TYPES = (
    tarfile.GNUTYPE_LONGNAME,
    tarfile.GNUTYPE_LONGLINK,
    tarfile.XHDTYPE,
    tarfile.XGLTYPE,
    tarfile.SOLARIS_XHDTYPE,
)


class _HeaderRefused(tarfile.TarError):
    pass


class _BoundedTarInfo(tarfile.TarInfo):
    """tarfile's member header, refusing before tarfile reads them the headers whose data it
    would hold in memory unbounded: an extended header beyond EXTENDED_HEADER_MAX_BYTES, and
    old GNU sparse headers (a chain of extension blocks; a backup writes no sparse file)."""

    def _proc_member(self, tarfile_):
        if self.type == tarfile.GNUTYPE_SPARSE:
            raise _HeaderRefused(_("it holds a sparse file; a backup holds none"))
        if self.type in EXTENDED_TYPES and self.size > EXTENDED_HEADER_MAX_BYTES:
            raise _HeaderRefused(
                _("it has a member header of %(size)s; a backup's are at most %(limit)s")
                % {
                    "size": megabytes(self.size),
                    "limit": megabytes(EXTENDED_HEADER_MAX_BYTES),
                }
            )
        return super()._proc_member(tarfile_)


class _TableDigest(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    rows: int = Field(ge=0)
    sha256: str = Field(pattern=SHA256)


class _Manifest(BaseModel):
    model_config = ConfigDict(strict=True)
    format: Literal[1]
    engine: str
    created_at: str
    tables: dict[str, _TableDigest]
    files: dict[str, Annotated[str, Field(pattern=SHA256)]]


def not_a_backup(archive: Path, reason: str) -> DomainError:
    return DomainError(
        "backup",
        _("%(file)s is not a salesop backup: %(error)s") % {"file": archive, "error": reason},
    )


def _check_member(archive: Path, member: tarfile.TarInfo, seen: set[str]) -> None:
    """Refuses a member a backup does not write, before its data is read: a path leading out
    of the folder, a link, a device, a sparse file, a file beside the manifest, media and dump."""
    path = PurePosixPath(member.name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise not_a_backup(
            archive, _("%(member)s points outside the backup") % {"member": member.name}
        )
    if not (member.isfile() or member.isdir()):
        raise not_a_backup(
            archive,
            _("%(member)s is a link or a special file; a backup holds files and folders")
            % {"member": member.name},
        )
    if member.issparse():
        # a few bytes in the archive standing for gigabytes of zeros; a backup writes none
        raise not_a_backup(
            archive,
            _("%(member)s is a sparse file (%(size)s when unpacked); a backup holds none")
            % {"member": member.name, "size": megabytes(member.size)},
        )
    top, nested = path.parts[0], len(path.parts) > 1
    if top == MEDIA:
        expected = nested or member.isdir()
    else:
        expected = not nested and member.isfile() and top in {MANIFEST, *DUMPS.values()}
    if not expected or str(path) in seen:
        raise not_a_backup(
            archive,
            _("%(member)s is not part of a salesop backup") % {"member": member.name},
        )
    if str(path) == MANIFEST and member.size > MANIFEST_MAX_BYTES:
        raise not_a_backup(
            archive,
            _("its %(member)s is %(size)s; a manifest is at most %(limit)s")
            % {
                "member": member.name,
                "size": megabytes(member.size),
                "limit": megabytes(MANIFEST_MAX_BYTES),
            },
        )
    seen.add(str(path))


def megabytes(size: int) -> str:
    return f"{size / 2**20:,.1f} MB"


def _room(folder: Path) -> tuple[int, str]:
    """How much a backup may unpack to in `folder`, and why that much."""
    # The copy of the live database kept during the swap needs room too.
    live = Path(connection.settings_dict["NAME"]) if connection.vendor == "sqlite" else None
    keep = live.stat().st_size if live and live.exists() else 0
    free = shutil.disk_usage(folder).free - keep - 64 * 2**20
    limit = settings.RESTORE_MAX_BYTES
    if free < limit:
        return max(free, 0), _("the %(size)s free on the disk of %(folder)s") % {
            "size": megabytes(max(free, 0)),
            "folder": folder,
        }
    return limit, _("the %(size)s restore limit (SALESOP_RESTORE_MAX_MB)") % {
        "size": megabytes(limit)
    }


def unpack(archive: Path, into: Path) -> dict:
    """Extracts the archive into `into` member by member, each checked at its header before
    its data is read, and stops at the first that crosses a bound; returns its manifest."""
    room, why = _room(into.parent)
    total, seen = 0, set()
    try:
        with tarfile.open(archive, "r:gz", tarinfo=_BoundedTarInfo) as tar:
            for member in tar:  # one header at a time: nothing is read past a refusal
                _check_member(archive, member, seen)
                total += -(-max(member.size, 1) // BLOCK) * BLOCK
                if total > room:
                    raise not_a_backup(
                        archive,
                        _(
                            "%(member)s (%(size)s) takes it to %(total)s when unpacked, more "
                            "than %(limit)s"
                        )
                        % {
                            "member": member.name,
                            "size": megabytes(member.size),
                            "total": megabytes(total),
                            "limit": why,
                        },
                    )
                tar.extract(member, into, filter="data")
    except (OSError, EOFError, zlib.error, tarfile.TarError) as exc:
        raise not_a_backup(archive, str(exc)) from exc
    try:
        text = (into / MANIFEST).read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        raise not_a_backup(archive, _("it has no readable manifest.json")) from exc
    try:
        return _Manifest.model_validate_json(text).model_dump()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or MANIFEST}: {error['msg']}"
            for error in exc.errors()[:5]
        )
        raise not_a_backup(archive, f"{MANIFEST}: {problems}") from None
