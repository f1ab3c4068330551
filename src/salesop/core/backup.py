"""Backup and restore of everything salesop keeps: the database (SQLite's online backup API, or
pg_dump of one consistent snapshot) and the uploaded files, in one .tar.gz with a manifest of
each table's row count and checksum and each file's checksum. A restore puts both back and
proves it by recomputing the manifest; anything that differs is named."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # pg_dump and pg_restore, fixed arguments  # nosec B404
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils.translation import gettext as _

from salesop.core.errors import DomainError

FORMAT = 1
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


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


def _file_digests(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
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


def backup(out_dir: Path) -> tuple[Path, dict]:
    """Writes salesop-backup-<UTC time>.tar.gz into `out_dir`; returns it and its manifest."""
    vendor = connection.vendor
    if vendor not in DUMPS:
        raise DomainError("engine", _("Backups support SQLite and PostgreSQL."))
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        dump = work / DUMPS[vendor]
        if vendor == "sqlite":
            connection.ensure_connection()
            copy = sqlite3.connect(dump)
            connection.connection.backup(copy)  # a consistent copy while others write
            tables = _table_digests(copy.cursor(), _sqlite_tables(copy), lambda t: f'"{t}"')
            copy.close()
        else:
            tables = _pg_snapshot_dump(dump)
        media = Path(settings.MEDIA_ROOT)
        if media.exists():
            shutil.copytree(media, work / "media")
        manifest = {
            "format": FORMAT,
            "engine": vendor,
            "created_at": datetime.now(UTC).isoformat(),
            "tables": tables,
            "files": _file_digests(work / "media"),
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        archive = out_dir / f"salesop-backup-{stamp}.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            for item in sorted(work.iterdir()):
                tar.add(item, arcname=item.name)
    return archive, manifest


def _pg_snapshot_dump(dump: Path) -> dict[str, dict]:
    """pg_dump of the snapshot the digests are read from, so both describe the same moment."""
    args, env = _pg_env()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            subprocess.run(  # noqa: S603  (pg_dump, settings, no shell)  # nosec B603
                ["pg_dump", *args, "-Fc", f"--snapshot={snapshot}", "-f", str(dump)]
                + [connection.settings_dict["NAME"]],
                env=env,
                check=True,
                capture_output=True,
            )
            return _table_digests(
                cursor, connection.introspection.table_names(cursor), connection.ops.quote_name
            )


def _has_business_rows() -> bool:
    from salesop.accounts.models import User

    return User.objects.exists()


def restore(archive: Path, *, force: bool = False) -> dict:
    """Puts a backup back into the configured database and data directory and checks every
    table and file against the manifest. Refuses a database that has users unless `force`."""
    vendor = connection.vendor
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(work, filter="data")
            manifest = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, tarfile.TarError, ValueError) as exc:
            raise DomainError(
                "backup",
                _("%(file)s is not a salesop backup: %(error)s") % {"file": archive, "error": exc},
            ) from exc
        if manifest.get("engine") != vendor:
            raise DomainError(
                "engine",
                _("This backup is of a %(theirs)s database; the configured one is %(ours)s.")
                % {"theirs": manifest.get("engine"), "ours": vendor},
            )
        if not force and _has_business_rows():
            raise DomainError(
                "not_empty",
                _("The database already has users; restore into an empty one or use --force."),
            )
        dump = work / DUMPS[vendor]
        if vendor == "sqlite":
            source = sqlite3.connect(dump)
            connection.ensure_connection()
            source.backup(connection.connection)
            source.close()
        else:
            connections.close_all()
            args, env = _pg_env()
            subprocess.run(  # noqa: S603  (pg_restore, settings, no shell)  # nosec B603
                [
                    "pg_restore",
                    *args,
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                ]
                + ["-d", connection.settings_dict["NAME"], str(dump)],
                env=env,
                check=True,
                capture_output=True,
            )
        media = Path(settings.MEDIA_ROOT)
        if media.exists():
            shutil.rmtree(media)
        if (work / "media").exists():
            shutil.copytree(work / "media", media)
    _verify(manifest)
    return manifest


def _verify(manifest: dict) -> None:
    tables = current_digests()
    wrong = [name for name, expected in manifest["tables"].items() if tables.get(name) != expected]
    files = _file_digests(Path(settings.MEDIA_ROOT))
    wrong += [f"media/{name}" for name, sha in manifest["files"].items() if files.get(name) != sha]
    if wrong:
        raise DomainError(
            "restore_mismatch",
            _("The restored data differs from the backup in: %(what)s")
            % {"what": ", ".join(wrong)},
        )
