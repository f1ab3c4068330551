"""Backup and restore of everything salesop keeps: the database (SQLite's online backup API, or
pg_dump of one consistent snapshot) and the uploaded files, in one .tar.gz with a manifest of
each table's row count and checksum and each file's checksum.

A restore proves the archive before it touches anything: every member is a file a backup
holds, the manifest names exactly the tables this installation has, the database in the
archive (opened as a copy, or restored into a scratch PostgreSQL database) has this
installation's schema and every table's rows match their checksums, and every uploaded file
matches and is named. Only then is the live data replaced, with a copy of it kept until the
replaced data has been checked again; anything that differs is named and the copy put back.

Unpacking is bounded: each member's declared size and their total against
SALESOP_RESTORE_MAX_MB and the free disk space, checked at each member's header before its
data is read; sparse members and a manifest beyond MANIFEST_MAX_BYTES are refused.

The swap is journalled (`salesop-restore.json` beside the uploaded files): a restore killed at
any point leaves the previous data, or the restored data, or a journal from which the next
`salesop` command puts the previous data back (`recover_interrupted`).

The manifest is a checksum, not a signature: it catches damage and an edit that left it as it
was, not someone who rewrites it too."""

import ctypes
import hashlib
import json
import os
import secrets
import shutil
import signal
import sqlite3
import subprocess  # pg_dump and pg_restore, fixed arguments  # nosec B404
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from salesop.core.errors import DomainError
from salesop.core.installation import INSTALLATION_RUNNING, Exclusive

FORMAT = 1
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MANIFEST = "manifest.json"
MEDIA = "media"
SHA256 = r"^[0-9a-f]{64}$"
PUT_BACK_FAILED = "restore_put_back_failed"
# The manifest is about 100 bytes per uploaded file: 32 MB names some 300,000 of them.
MANIFEST_MAX_BYTES = 32 * 1024 * 1024
# Each member counts as at least one disk block: a million empty files are not free.
BLOCK = 4096
JOURNAL = "salesop-restore.json"
WORK_PREFIX = ".salesop-restore-"
SWAPPING, COMMITTED, ROLLED_BACK = "swapping", "committed", "rolled back"


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
                    "size": _megabytes(self.size),
                    "limit": _megabytes(EXTENDED_HEADER_MAX_BYTES),
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


def _table_digests(cursor, tables: list[str], quote) -> dict[str, dict]:
    """Row count and a SHA-256 over every row (in the order of the first column) per table."""
    result = {}
    for table in sorted(tables):
        sql = f"SELECT * FROM {quote(table)} ORDER BY 1"  # noqa: S608 (table names)  # nosec B608
        cursor.execute(sql)
        digest, rows = hashlib.sha256(), 0
        while chunk := cursor.fetchmany(2000):
            for row in chunk:
                digest.update(repr(tuple(row)).encode())
                rows += 1
        result[table] = {"rows": rows, "sha256": digest.hexdigest()}
    return result


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
    ).fetchall()
    # the full-text index's shadow tables are rebuilt from the leads, not compared
    return [name for (name,) in rows if "_fts_" not in name]


def _sqlite_schema(db: sqlite3.Connection) -> dict[str, str]:
    """Every table, index, trigger and view with its SQL: a trigger planted in a backup changes
    no row, so only the schema shows it. SQLite reserves the sqlite_ prefix for itself."""
    rows = db.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE substr(name, 1, 7) != 'sqlite_'"
    ).fetchall()
    return {f"{kind} {name}": sql or "" for kind, name, sql in rows}


# Read from the catalogue rather than compared as pg_dump text: the catalogue's own rendering
# (pg_get_*def) does not change with the pg_dump version or the owner's name.
PG_SCHEMA = """
SELECT 'schema ' || nspname, '' FROM pg_namespace
 WHERE nspname NOT LIKE 'pg\\_%' AND nspname != 'information_schema'
UNION ALL SELECT 'extension ' || extname, extversion FROM pg_extension
UNION ALL SELECT 'event trigger ' || evtname, evtevent || ' ' || evtfoid::regproc::text
  FROM pg_event_trigger
UNION ALL SELECT 'relation ' || c.relname, c.relkind::text || ' '
       || coalesce(pg_get_viewdef(c.oid), pg_get_indexdef(c.oid), '')
  FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace
UNION ALL SELECT 'column ' || c.relname || '.' || a.attname,
       format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text || ' '
       || a.attidentity::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relnamespace = current_schema()::regnamespace AND a.attnum > 0
   AND NOT a.attisdropped
UNION ALL SELECT 'constraint ' || conrelid::regclass::text || '.' || conname,
       pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
UNION ALL SELECT 'trigger ' || t.tgrelid::regclass::text || '.' || t.tgname,
       pg_get_triggerdef(t.oid)
  FROM pg_trigger t WHERE NOT t.tgisinternal
UNION ALL SELECT 'function ' || p.oid::regprocedure::text,
       CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) ELSE '' END
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname != 'information_schema'
   AND NOT EXISTS (SELECT 1 FROM pg_depend e
                   WHERE e.objid = p.oid AND e.deptype = 'e')
UNION ALL SELECT 'rule ' || tablename || '.' || rulename, definition FROM pg_rules
 WHERE schemaname = current_schema()
UNION ALL SELECT 'policy ' || tablename || '.' || policyname, qual FROM pg_policies
"""


def _pg_schema(cursor) -> dict[str, str]:
    cursor.execute(PG_SCHEMA)
    return {name: definition or "" for name, definition in cursor.fetchall()}


def _file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()  # in chunks, whatever the size


def _file_digests(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): _file_sha256(path)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _pg_env() -> tuple[list[str], dict]:
    db = connection.settings_dict
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432)]
    args += ["-U", db.get("USER") or "postgres"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _die_with_parent() -> None:
    """In the child, before pg_restore starts: killed with us (Linux), so a restore killed
    mid-load does not leave a pg_restore committing after the next command put data back."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _pg_tool(tool: str, *args: str) -> None:
    """Runs pg_dump or pg_restore against the configured server; a failure is a refusal
    carrying the tool's own message."""
    server, env = _pg_env()
    try:
        subprocess.run(  # noqa: S603  (pg tools, settings, no shell)  # nosec B603
            [tool, *server, *args],
            env=env,
            check=True,
            capture_output=True,
            preexec_fn=_die_with_parent,
        )
    except FileNotFoundError as exc:
        raise DomainError(
            "pg_tool",
            _("%(tool)s was not found: install PostgreSQL's client programs.") % {"tool": tool},
        ) from exc
    except subprocess.CalledProcessError as exc:
        raise DomainError(
            "pg_tool",
            _("%(tool)s failed: %(error)s")
            % {"tool": tool, "error": exc.stderr.decode(errors="replace").strip()},
        ) from exc


def _pg_restore(dump: Path, database: str) -> None:
    # One transaction: a dump that fails half-way leaves the database as it was.
    _pg_tool(
        "pg_restore",
        *("--clean", "--if-exists", "--no-owner", "--single-transaction"),
        *("-d", database, str(dump)),
    )


def current_digests() -> dict[str, dict]:
    """The manifest's table part for the database as it is now."""
    if connection.vendor == "sqlite":
        # a plain connection: Django's converts dates as it reads, the backup's copy did not
        plain = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            return _table_digests(plain.cursor(), _sqlite_tables(plain), lambda t: f'"{t}"')
        finally:
            plain.close()
    else:
        tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        return _table_digests(cursor, tables, connection.ops.quote_name)


def _current_schema() -> tuple[dict[str, str], set[str]]:
    """This installation's schema and the tables a manifest must name."""
    if connection.vendor == "sqlite":
        plain = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            return _sqlite_schema(plain), set(_sqlite_tables(plain))
        finally:
            plain.close()
    with connection.cursor() as cursor:
        return _pg_schema(cursor), set(connection.introspection.table_names(cursor))


def backup(out_dir: Path) -> tuple[Path, dict]:
    """Writes salesop-backup-<UTC time>.tar.gz into `out_dir`; returns it and its manifest.
    The archive is written under a temporary name and renamed once complete: a full disk or
    any other failure leaves no archive (and no part of one) that could pass for a backup."""
    vendor = connection.vendor
    if vendor not in DUMPS:
        raise DomainError("engine", _("Backups support SQLite and PostgreSQL."))
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    archive = out_dir / f"salesop-backup-{stamp}.tar.gz"
    part = out_dir / f".{archive.name}.part"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as work:
            manifest = _backup_into(Path(work), vendor)
            with tarfile.open(part, "w:gz") as tar:
                for item in sorted(Path(work).iterdir()):
                    tar.add(item, arcname=item.name)
            with part.open("rb") as written:
                os.fsync(written.fileno())
            os.replace(part, archive)
    except (OSError, sqlite3.Error) as exc:
        part.unlink(missing_ok=True)
        reason = getattr(exc, "strerror", None) or str(exc)
        raise DomainError(
            "backup_failed",
            _("The backup could not be written (%(reason)s); no archive was kept in %(dir)s.")
            % {"reason": reason, "dir": out_dir},
        ) from exc
    return archive, manifest


def _backup_into(work: Path, vendor: str) -> dict:
    """The database dump, the uploaded files and the manifest, in `work`."""
    dump = work / DUMPS[vendor]
    if vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(dump)
        try:
            connection.connection.backup(copy)  # a consistent copy while others write
            tables = _table_digests(copy.cursor(), _sqlite_tables(copy), lambda t: f'"{t}"')
        finally:
            copy.close()
    else:
        tables = _pg_snapshot_dump(dump)
    media = Path(settings.MEDIA_ROOT)
    if media.exists():
        shutil.copytree(media, work / MEDIA)
    manifest = {
        "format": FORMAT,
        "engine": vendor,
        "created_at": datetime.now(UTC).isoformat(),
        "tables": tables,
        "files": _file_digests(work / MEDIA),
    }
    (work / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def _pg_snapshot_dump(dump: Path) -> dict[str, dict]:
    """pg_dump of the snapshot the digests are read from, so both describe the same moment."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            _pg_tool(
                "pg_dump",
                *("-Fc", f"--snapshot={snapshot}", "-f", str(dump)),
                connection.settings_dict["NAME"],
            )
            return _table_digests(
                cursor, connection.introspection.table_names(cursor), connection.ops.quote_name
            )


def _has_business_rows() -> bool:
    from salesop.accounts.models import User

    return User.objects.exists()


def _listed(names) -> str:
    names = sorted(names)
    if len(names) <= 10:
        return ", ".join(names)
    return _("%(names)s and %(count)d more") % {
        "names": ", ".join(names[:10]),
        "count": len(names) - 10,
    }


def _not_a_backup(archive: Path, reason: str) -> DomainError:
    return DomainError(
        "backup",
        _("%(file)s is not a salesop backup: %(error)s") % {"file": archive, "error": reason},
    )


def _check_member(archive: Path, member: tarfile.TarInfo, seen: set[str]) -> None:
    """Refuses a member a backup does not write, before its data is read: a path leading out
    of the folder, a link, a device, a sparse file, a file beside the manifest, media and dump."""
    path = PurePosixPath(member.name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise _not_a_backup(
            archive, _("%(member)s points outside the backup") % {"member": member.name}
        )
    if not (member.isfile() or member.isdir()):
        raise _not_a_backup(
            archive,
            _("%(member)s is a link or a special file; a backup holds files and folders")
            % {"member": member.name},
        )
    if member.issparse():
        # a few bytes in the archive standing for gigabytes of zeros; a backup writes none
        raise _not_a_backup(
            archive,
            _("%(member)s is a sparse file (%(size)s when unpacked); a backup holds none")
            % {"member": member.name, "size": _megabytes(member.size)},
        )
    top, nested = path.parts[0], len(path.parts) > 1
    if top == MEDIA:
        expected = nested or member.isdir()
    else:
        expected = not nested and member.isfile() and top in {MANIFEST, *DUMPS.values()}
    if not expected or str(path) in seen:
        raise _not_a_backup(
            archive,
            _("%(member)s is not part of a salesop backup") % {"member": member.name},
        )
    if str(path) == MANIFEST and member.size > MANIFEST_MAX_BYTES:
        raise _not_a_backup(
            archive,
            _("its %(member)s is %(size)s; a manifest is at most %(limit)s")
            % {
                "member": member.name,
                "size": _megabytes(member.size),
                "limit": _megabytes(MANIFEST_MAX_BYTES),
            },
        )
    seen.add(str(path))


def _megabytes(size: int) -> str:
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
            "size": _megabytes(max(free, 0)),
            "folder": folder,
        }
    return limit, _("the %(size)s restore limit (SALESOP_RESTORE_MAX_MB)") % {
        "size": _megabytes(limit)
    }


def _unpack(archive: Path, into: Path) -> dict:
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
                    raise _not_a_backup(
                        archive,
                        _(
                            "%(member)s (%(size)s) takes it to %(total)s when unpacked, more "
                            "than %(limit)s"
                        )
                        % {
                            "member": member.name,
                            "size": _megabytes(member.size),
                            "total": _megabytes(total),
                            "limit": why,
                        },
                    )
                tar.extract(member, into, filter="data")
    except (OSError, EOFError, zlib.error, tarfile.TarError) as exc:
        raise _not_a_backup(archive, str(exc)) from exc
    try:
        text = (into / MANIFEST).read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        raise _not_a_backup(archive, _("it has no readable manifest.json")) from exc
    try:
        return _Manifest.model_validate_json(text).model_dump()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or MANIFEST}: {error['msg']}"
            for error in exc.errors()[:5]
        )
        raise _not_a_backup(archive, f"{MANIFEST}: {problems}") from None


def _check_files(manifest: dict, root: Path) -> None:
    found = _file_digests(root)
    unnamed = found.keys() - manifest["files"].keys()
    if unnamed:
        raise DomainError(
            "restore_mismatch",
            _("The backup holds files its manifest does not name: %(what)s")
            % {"what": _listed(f"{MEDIA}/{name}" for name in unnamed)},
        )
    wrong = [name for name, sha in manifest["files"].items() if found.get(name) != sha]
    if wrong:
        raise DomainError(
            "restore_mismatch",
            _("These files in the backup are missing or differ from its manifest: %(what)s")
            % {"what": _listed(f"{MEDIA}/{name}" for name in wrong)},
        )


def _check_tables(manifest: dict, installed: set[str]) -> None:
    named = set(manifest["tables"])
    if installed - named:
        raise DomainError(
            "restore_mismatch",
            _("The backup's manifest does not name these tables of the database: %(what)s")
            % {"what": _listed(installed - named)},
        )
    if named - installed:
        raise DomainError(
            "restore_mismatch",
            _("The backup's manifest names tables this installation does not have: %(what)s")
            % {"what": _listed(named - installed)},
        )


def _check_database(manifest: dict, schema: dict, installed: dict, digests: dict) -> None:
    """The archive's database against this installation's schema, then against the manifest."""
    changed = {
        name for name in schema.keys() | installed.keys() if schema.get(name) != installed.get(name)
    }
    if changed:
        raise DomainError(
            "restore_schema",
            _(
                "The database in the backup does not have this installation's schema (a backup "
                "of another salesop version, or edited) in: %(what)s"
            )
            % {"what": _listed(changed)},
        )
    wrong = {
        name
        for name in manifest["tables"].keys() | digests.keys()
        if manifest["tables"].get(name) != digests.get(name)
    }
    if wrong:
        raise DomainError(
            "restore_mismatch",
            _("The database in the backup differs from its manifest in: %(what)s")
            % {"what": _listed(wrong)},
        )


def _check_sqlite_copy(manifest: dict, dump: Path, installed_schema: dict) -> None:
    """Opens the archive's database file itself, which is the staged copy a swap reads."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_size")
        (page_size,) = cursor.fetchone()
    db = sqlite3.connect(dump)
    try:
        schema = _sqlite_schema(db)
        # a damaged index or page that no row read touches
        problems = [line for (line,) in db.execute("PRAGMA integrity_check").fetchall()]
        if problems != ["ok"]:
            raise DomainError(
                "restore_damaged",
                _("%(file)s in the backup is damaged: %(error)s")
                % {"file": dump.name, "error": "; ".join(problems[:5])},
            )
        if db.execute("PRAGMA page_size").fetchone()[0] != page_size:
            # The live database is in WAL mode, whose page size cannot change: copying pages
            # of another size into it fails. The copy takes the live size before it is read.
            db.executescript(
                f"PRAGMA journal_mode = DELETE; PRAGMA page_size = {int(page_size)}; VACUUM;"
            )
        if schema == installed_schema:
            digests = _table_digests(db.cursor(), _sqlite_tables(db), lambda t: f'"{t}"')
        else:
            digests = {}
    except sqlite3.Error as exc:
        raise DomainError(
            "restore_damaged",
            _("%(file)s in the backup is not a SQLite database: %(error)s")
            % {"file": dump.name, "error": exc},
        ) from exc
    finally:
        db.close()
    _check_database(manifest, schema, installed_schema, digests)


@contextmanager
def _pg_scratch() -> Iterator[tuple[str, object]]:
    """A new, empty database on the same server and a Django connection to it, dropped after."""
    name = f"{connection.settings_dict['NAME'][:40]}_restore_{secrets.token_hex(4)}"
    quoted = connection.ops.quote_name(name)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {quoted} TEMPLATE template0")  # nosec B608
    except DatabaseError as exc:
        raise DomainError(
            "restore_scratch",
            _(
                "A restore first checks the backup in a scratch database, and this database "
                "user cannot create one: %(error)s"
            )
            % {"error": exc},
        ) from exc
    live = connections[DEFAULT_DB_ALIAS]
    scratch = type(live)(dict(live.settings_dict, NAME=name), "restore_scratch")
    try:
        yield name, scratch
    finally:
        scratch.close()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")  # nosec B608


def _check_pg_dump(manifest: dict, dump: Path, installed_schema: dict) -> None:
    """Restores the dump into a scratch database with the same pg_restore the swap will run,
    and checks it there: the live database is touched only by a dump that restored cleanly to
    exactly the manifest. (pg_dump writes every object under its schema's name, so a dump
    cannot be put into a scratch schema of the live database instead.)"""
    with _pg_scratch() as (name, scratch):
        try:
            _pg_restore(dump, name)
        except DomainError as exc:
            raise DomainError(
                "restore_damaged",
                _(
                    "%(file)s in the backup is not a PostgreSQL dump this installation can "
                    "restore: %(error)s"
                )
                % {"file": dump.name, "error": exc.message},
            ) from exc
        with scratch.cursor() as cursor:
            schema = _pg_schema(cursor)
            digests = {}
            if schema == installed_schema:
                tables = scratch.introspection.table_names(cursor)
                digests = _table_digests(cursor, tables, scratch.ops.quote_name)
    _check_database(manifest, schema, installed_schema, digests)


def _keep_database(vendor: str, into: Path) -> Path:
    """A copy of the live database in the form `_load_database` puts back."""
    kept = into / DUMPS[vendor]
    if vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(kept)
        connection.connection.backup(copy)
        copy.close()
    else:
        _pg_tool("pg_dump", "-Fc", "-f", str(kept), connection.settings_dict["NAME"])
    return kept


def _load_database(vendor: str, dump: Path) -> None:
    """Replaces the live database with `dump` in one transaction, all or nothing."""
    if vendor == "sqlite":
        # The backup API into the open database, not a file rename: processes with the file
        # open keep working, and one step (pages=-1) is one write transaction.
        source = sqlite3.connect(dump)
        try:
            connection.ensure_connection()
            source.backup(connection.connection)
        except sqlite3.Error as exc:
            raise DomainError(
                "restore_failed",
                _("The database could not be replaced: %(error)s") % {"error": exc},
            ) from exc
        finally:
            source.close()
    else:
        connections.close_all()
        _pg_restore(dump, connection.settings_dict["NAME"])


def _live_differences(manifest: dict) -> list[str]:
    tables = current_digests()
    wrong = [name for name, expected in manifest["tables"].items() if tables.get(name) != expected]
    files = _file_digests(Path(settings.MEDIA_ROOT))
    wrong += [
        f"{MEDIA}/{name}"
        for name in files.keys() | manifest["files"].keys()
        if files.get(name) != manifest["files"].get(name)
    ]
    return wrong


def _reached(step: str) -> None:
    """Tests kill a restore here (SALESOP_TEST_RESTORE_KILL_AT=step) to prove every step
    leaves an installation the next command makes whole."""
    if os.environ.get("SALESOP_TEST_RESTORE_KILL_AT") == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _journal_path() -> Path:
    return Path(settings.MEDIA_ROOT).parent / JOURNAL


def _journal_write(journal: dict) -> None:
    """Replaces the journal in one rename, on disk before the step it announces begins."""
    path = _journal_path()
    part = path.with_name(path.name + ".part")
    with part.open("w", encoding="utf-8") as fh:
        json.dump(journal, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(part, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _put_back(journal: dict) -> None:
    """The previous files and database back in place, from any point of the swap; safe to
    run again if it is itself stopped."""
    work, vendor = Path(journal["work"]), journal["engine"]
    media, kept = Path(settings.MEDIA_ROOT), Path(journal["work"]) / "previous"
    # Out of the way in one rename, whole or half moved in, before the previous files return.
    if (kept / MEDIA).exists() or not journal["had_media"]:
        if media.exists():
            media.rename(work / f"discarded-{secrets.token_hex(4)}")
        if (kept / MEDIA).exists():
            (kept / MEDIA).rename(media)
    _reached("files-put-back")
    # Whether the new database was committed before the stop is not known: load the kept one.
    _load_database(vendor, kept / DUMPS[vendor])
    _journal_write(dict(journal, step=ROLLED_BACK))


def _swap_in(vendor: str, work: Path, manifest: dict) -> dict:
    """Puts the checked database and files in place, keeping the previous ones in the work
    folder until the live data has been checked against the manifest; on any failure they go
    back. The journal says how far it got, for a restore that is killed. Returns it."""
    media, staged, kept = Path(settings.MEDIA_ROOT), work / "backup", work / "previous"
    kept.mkdir()
    _keep_database(vendor, kept)
    journal = {"step": SWAPPING, "work": str(work), "engine": vendor, "had_media": media.exists()}
    _journal_write(journal)
    _reached("previous-kept")
    try:
        if media.exists():
            media.rename(kept / MEDIA)
        _reached("files-moved-out")
        if (staged / MEDIA).exists():
            (staged / MEDIA).rename(media)
        _reached("files-moved-in")
        _load_database(vendor, staged / DUMPS[vendor])
        _reached("database-loaded")
        wrong = _live_differences(manifest)
        if wrong:
            raise DomainError(
                "restore_mismatch",
                _(
                    "The restored data differs from the backup in: %(what)s; the previous data "
                    "is back in place."
                )
                % {"what": _listed(wrong)},
            )
        _reached("checked")
    except BaseException as exc:
        # the previous data back, whatever stopped the swap (an interrupt included)
        try:
            _put_back(journal)
        except Exception as again:
            raise DomainError(
                PUT_BACK_FAILED,
                _(
                    "Restoring stopped (%(error)s) and putting the previous data back failed "
                    "too (%(again)s): the previous database and files are in %(folder)s; the "
                    "next salesop command tries again."
                )
                % {"error": exc, "again": again, "folder": kept},
            ) from again
        raise
    journal["step"] = COMMITTED
    _journal_write(journal)
    _reached("committed")
    return journal


def _clean_up() -> None:
    """Removes every restore work folder and then the journal, unless the journal says a swap
    is under way (its kept data is then the only copy of the previous data). Only ever called
    while this installation is locked, so no folder belongs to a restore still running."""
    try:
        swapping = json.loads(_journal_path().read_text(encoding="utf-8"))["step"] == SWAPPING
    except FileNotFoundError:
        swapping = False
    except (OSError, ValueError, KeyError, TypeError):
        swapping = True  # unreadable: left for _recover to name
    if swapping:
        return
    for work in Path(settings.MEDIA_ROOT).parent.glob(f"{WORK_PREFIX}*"):
        shutil.rmtree(work, ignore_errors=True)
    _journal_path().unlink(missing_ok=True)


def _recover() -> str:
    """Under the installation's lock: finishes what a killed restore left. Returns what was
    done, or an empty string."""
    path = _journal_path()
    if not path.exists():
        _clean_up()
        return ""
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
        step = journal["step"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DomainError(
            "restore_journal",
            _(
                "%(file)s, left by a restore that was stopped, cannot be read (%(error)s): "
                "compare the data with the restore folders beside it before removing it."
            )
            % {"file": path, "error": exc},
        ) from exc
    if step == SWAPPING:
        _put_back(journal)
        message = _(
            "a restore was stopped before it finished: the previous database and uploaded "
            "files are back in place."
        )
    elif step == COMMITTED:
        message = _("a restore was stopped while it cleaned up; the restored data is in place.")
    else:
        message = _("a restore was stopped while it cleaned up; the previous data is in place.")
    _clean_up()
    return message


def recover_interrupted() -> str:
    """What a restore killed part-way left, made whole (`salesop` runs this as it starts):
    the previous data put back, or the restored data kept if it had been checked; leftover
    work folders removed. Returns what was done, or an empty string. Does nothing while a
    restore, a server or a worker runs (a server cannot have started with a journal left)."""
    folder = Path(settings.MEDIA_ROOT).parent
    if not _journal_path().exists() and not any(folder.glob(f"{WORK_PREFIX}*")):
        return ""
    try:
        with Exclusive():
            return _recover()
    except DomainError as exc:
        if exc.code == INSTALLATION_RUNNING:
            return ""
        raise


def restore(archive: Path, *, force: bool = False) -> dict:
    """Puts a backup back into the configured database and data directory once every member,
    table and file of it has been checked; refuses a database that has users unless `force`.
    Returns the manifest. On any refusal the database and files are as they were.

    The caller holds the installation exclusively (`installation.Exclusive`): no server or
    worker runs."""
    vendor = connection.vendor
    if vendor not in DUMPS:
        raise DomainError("engine", _("Backups support SQLite and PostgreSQL."))
    media = Path(settings.MEDIA_ROOT)
    if media.is_symlink() or os.path.ismount(media):
        # The files are swapped in by renaming the folder: a link would be replaced by a plain
        # folder (the linked disk left behind, new uploads on the data disk), a mount point
        # cannot be renamed at all.
        raise DomainError(
            "media_not_a_folder",
            _(
                "The uploaded files' folder %(path)s is a link or a mount point; a restore "
                "replaces that folder. Mount or link the whole data directory instead, or "
                "restore into a plain folder and copy its files across."
            )
            % {"path": media},
        )
    media.parent.mkdir(parents=True, exist_ok=True)
    _recover()  # what a killed restore left, before this one begins
    # Beside the uploaded files, so that putting the new ones in place is a rename.
    work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=media.parent))
    try:
        staged = work / "backup"
        manifest = _unpack(archive, staged)
        if manifest["engine"] != vendor:
            raise DomainError(
                "engine",
                _("This backup is of a %(theirs)s database; the configured one is %(ours)s.")
                % {"theirs": manifest["engine"], "ours": vendor},
            )
        dump = staged / DUMPS[vendor]
        if not dump.is_file():
            raise _not_a_backup(archive, _("it has no %(file)s") % {"file": dump.name})
        if not force and _has_business_rows():
            raise DomainError(
                "not_empty",
                _("The database already has users; restore into an empty one or use --force."),
            )
        _check_files(manifest, staged / MEDIA)
        installed_schema, installed_tables = _current_schema()
        _check_tables(manifest, installed_tables)
        if vendor == "sqlite":
            _check_sqlite_copy(manifest, dump, installed_schema)
        else:
            _check_pg_dump(manifest, dump, installed_schema)
        _reached("verified")
        _swap_in(vendor, work, manifest)
    finally:
        # kept while the journal says the swap is under way (putting the previous data back
        # failed, or was interrupted): the next salesop command tries again from there
        _clean_up()
    return manifest
