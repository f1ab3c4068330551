"""Substring search of names by index, the same way on every table that has one: an FTS5
trigram table `<table>_fts` kept by triggers on SQLite, trigram GIN indexes (pg_trgm) on the
expression Django's icontains compares on PostgreSQL. Without them, a search of a million rows
reads every one (LIKE '%...%').

`trigram_index(table, columns)` is a migration operation creating them; `containing(table,
columns, q)` is the filter that uses them. The leads' index (leads migration 0007) was the first
one and has this shape."""

import logging
import re

from django.db import connection, migrations, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL

log = logging.getLogger(__name__)


IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def _identifiers(*names: str) -> None:
    for name in names:
        if not IDENTIFIER.match(name):
            raise ValueError(f"not a table or column name: {name!r}")


def _sqlite(table: str, columns: tuple[str, ...]) -> tuple[list[str], list[str]]:
    fts = f"{table}_fts"
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    # Names only: table and columns are the migrations' constants, checked by _identifiers.
    remove = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"  # noqa: S608  # nosec B608
    add = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"  # noqa: S608  # nosec B608
    forwards = [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, "
        f"content='{table}', content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {add} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} BEGIN {remove} {add} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # noqa: S608  # nosec B608
    ]
    backwards = [
        *(f"DROP TRIGGER IF EXISTS {fts}_{event}" for event in ("insert", "delete", "update")),
        f"DROP TABLE IF EXISTS {fts}",
    ]
    return forwards, backwards


def _postgres(table: str, columns: tuple[str, ...]) -> tuple[list[str], list[str]]:
    forwards = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] + [
        f"CREATE INDEX IF NOT EXISTS {table}_{c}_trgm ON {table} "
        f"USING gin (UPPER({c}::text) gin_trgm_ops)"
        for c in columns
    ]
    return forwards, [f"DROP INDEX IF EXISTS {table}_{c}_trgm" for c in columns]


def trigram_index(table: str, *columns: str) -> migrations.RunPython:
    """The migration operation indexing `columns` of `table` for `containing`."""

    _identifiers(table, *columns)

    def run(schema_editor, backwards: bool) -> None:
        vendor = schema_editor.connection.vendor
        if vendor not in ("sqlite", "postgresql"):
            return
        build = _sqlite if vendor == "sqlite" else _postgres
        statements = build(table, columns)[1 if backwards else 0]
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                with schema_editor.connection.cursor() as cursor:
                    for sql in statements:
                        cursor.execute(sql)
        except Exception as exc:  # noqa: BLE001 (a missing pg_trgm only slows search)
            if vendor == "sqlite" or backwards:
                raise
            log.warning("%s stays unindexed for search: pg_trgm is unavailable (%s)", table, exc)

    return migrations.RunPython(
        lambda apps, schema_editor: run(schema_editor, backwards=False),
        lambda apps, schema_editor: run(schema_editor, backwards=True),
        elidable=False,
    )


def triggers_again(table: str, *columns: str) -> migrations.RunPython:
    """The operation to follow any change Django makes by rebuilding a SQLite table (adding a
    column with a default, altering one): the rebuild drops the table's triggers, and the
    trigram table would stop following the rows. The rows keep their ids, so the trigram
    table's contents stay true."""

    _identifiers(table, *columns)

    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "sqlite":
            return  # PostgreSQL's indexes are the table's own and survive
        fts = f"{table}_fts"
        with schema_editor.connection.cursor() as cursor:
            for event in ("insert", "delete", "update"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {fts}_{event}")
            for sql in _sqlite(table, columns)[0][1:4]:  # the three triggers
                cursor.execute(sql)

    return migrations.RunPython(run, migrations.RunPython.noop, elidable=False)


def containing(
    table: str, columns: tuple[str, ...], q: str, first: int | None = None, indexed: bool = True
) -> Q:
    """Rows of `table` whose `columns` (any of them) contain `q`, in any case. On SQLite, three
    characters or more are looked up in the trigram table; shorter words, which trigrams cannot
    find, are compared row by row. `first`: only the first so many of the rows the trigram
    table finds, the newest (a common word's hundred thousand are not all listed to pick
    twenty). `indexed` False: compared row by row, for rows another index has narrowed."""
    if indexed and connection.vendor == "sqlite" and len(q) >= 3:
        _identifiers(table)
        phrase = '"' + q.replace('"', '""') + '"'  # the words as one phrase, never as syntax
        fts = f"{table}_fts"
        lookup = f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s"  # noqa: S608  # nosec B608 (a constant name)
        if first is not None:  # the newest first
            lookup += f" ORDER BY rowid DESC LIMIT {int(first)}"
        return Q(pk__in=RawSQL(lookup, [phrase]))  # noqa: S611  # nosec B611 (words as a parameter)
    match = Q()
    for column in columns:
        match |= Q(**{f"{column}__icontains": q})
    return match


def starting_any(column: str, prefixes: list[str]) -> Q:
    """`column` starts with one of `prefixes`, as ranges the column's index answers on any
    database."""
    match = Q()
    for prefix in prefixes:
        after = _after(prefix)
        bounds = {f"{column}__gte": prefix} | ({f"{column}__lt": after} if after else {})
        match |= Q(**bounds)
    return match


def _after(prefix: str) -> str:
    """The first string after every string starting with `prefix` ("" when none is: the
    prefix is the last character of all, repeated). The surrogates, which are not text,
    are stepped over."""
    stem = prefix.rstrip(chr(0x10FFFF))
    if not stem:
        return ""
    code = ord(stem[-1]) + 1
    if 0xD800 <= code <= 0xDFFF:
        code = 0xE000
    return stem[:-1] + chr(code)
