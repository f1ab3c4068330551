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

import json
import os
import secrets
import shutil
import signal
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils.translation import gettext as _

from salesop.core.backup_archive import (
    DUMPS,
    MANIFEST,
    MEDIA,
    not_a_backup,
    unpack,
)
from salesop.core.backup_digests import (
    current_digests,
    current_schema,
    file_digests,
    pg_restore,
    pg_schema,
    pg_tool,
    sqlite_schema,
    sqlite_tables,
    table_digests,
)
from salesop.core.errors import DomainError
from salesop.core.installation import INSTALLATION_RUNNING, Exclusive

FORMAT = 1
PUT_BACK_FAILED = "restore_put_back_failed"
JOURNAL = "salesop-restore.json"
WORK_PREFIX = ".salesop-restore-"
SWAPPING, COMMITTED, ROLLED_BACK = "swapping", "committed", "rolled back"


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
            tables = table_digests(copy.cursor(), sqlite_tables(copy), lambda t: f'"{t}"')
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
        "files": file_digests(work / MEDIA),
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
            pg_tool(
                "pg_dump",
                *("-Fc", f"--snapshot={snapshot}", "-f", str(dump)),
                connection.settings_dict["NAME"],
            )
            return table_digests(
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


def _check_files(manifest: dict, root: Path) -> None:
    found = file_digests(root)
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
        schema = sqlite_schema(db)
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
            digests = table_digests(db.cursor(), sqlite_tables(db), lambda t: f'"{t}"')
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
            pg_restore(dump, name)
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
            schema = pg_schema(cursor)
            digests = {}
            if schema == installed_schema:
                tables = scratch.introspection.table_names(cursor)
                digests = table_digests(cursor, tables, scratch.ops.quote_name)
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
        pg_tool("pg_dump", "-Fc", "-f", str(kept), connection.settings_dict["NAME"])
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
        pg_restore(dump, connection.settings_dict["NAME"])


def _live_differences(manifest: dict) -> list[str]:
    tables = current_digests()
    wrong = [name for name, expected in manifest["tables"].items() if tables.get(name) != expected]
    files = file_digests(Path(settings.MEDIA_ROOT))
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
        manifest = unpack(archive, staged)
        if manifest["engine"] != vendor:
            raise DomainError(
                "engine",
                _("This backup is of a %(theirs)s database; the configured one is %(ours)s.")
                % {"theirs": manifest["engine"], "ours": vendor},
            )
        dump = staged / DUMPS[vendor]
        if not dump.is_file():
            raise not_a_backup(archive, _("it has no %(file)s") % {"file": dump.name})
        if not force and _has_business_rows():
            raise DomainError(
                "not_empty",
                _("The database already has users; restore into an empty one or use --force."),
            )
        _check_files(manifest, staged / MEDIA)
        installed_schema, installed_tables = current_schema()
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
