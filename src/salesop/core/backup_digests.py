"""What a backup proves its data by: each table's row count and checksum, each uploaded file's
checksum, and the schema as the database's catalogue renders it; and the PostgreSQL tools
(pg_dump, pg_restore) a backup and a restore run, bounded and tied to their parent."""

import ctypes
import hashlib
import os
import signal
import sqlite3
import subprocess  # pg_dump and pg_restore, fixed arguments  # nosec B404
from pathlib import Path

from django.db import connection
from django.utils.translation import gettext as _

from salesop.core.errors import DomainError


def table_digests(cursor, tables: list[str], quote) -> dict[str, dict]:
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


def sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
    ).fetchall()
    # the full-text index's shadow tables are rebuilt from the leads, not compared
    return [name for (name,) in rows if "_fts_" not in name]


def sqlite_schema(db: sqlite3.Connection) -> dict[str, str]:
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


def pg_schema(cursor) -> dict[str, str]:
    cursor.execute(PG_SCHEMA)
    return {name: definition or "" for name, definition in cursor.fetchall()}


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()  # in chunks, whatever the size


def file_digests(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): file_sha256(path)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def pg_env() -> tuple[list[str], dict]:
    db = connection.settings_dict
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432)]
    args += ["-U", db.get("USER") or "postgres"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def die_with_parent() -> None:
    """In the child, before pg_restore starts: killed with us (Linux), so a restore killed
    mid-load does not leave a pg_restore committing after the next command put data back."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def pg_tool(tool: str, *args: str) -> None:
    """Runs pg_dump or pg_restore against the configured server; a failure is a refusal
    carrying the tool's own message."""
    server, env = pg_env()
    try:
        subprocess.run(  # noqa: S603  (pg tools, settings, no shell)  # nosec B603
            [tool, *server, *args],
            env=env,
            check=True,
            capture_output=True,
            preexec_fn=die_with_parent,
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


def pg_restore(dump: Path, database: str) -> None:
    # One transaction: a dump that fails half-way leaves the database as it was.
    pg_tool(
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
            return table_digests(plain.cursor(), sqlite_tables(plain), lambda t: f'"{t}"')
        finally:
            plain.close()
    else:
        tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        return table_digests(cursor, tables, connection.ops.quote_name)


def current_schema() -> tuple[dict[str, str], set[str]]:
    """This installation's schema and the tables a manifest must name."""
    if connection.vendor == "sqlite":
        plain = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            return sqlite_schema(plain), set(sqlite_tables(plain))
        finally:
            plain.close()
    with connection.cursor() as cursor:
        return pg_schema(cursor), set(connection.introspection.table_names(cursor))
