"""An id drawn before the insert, for a record that shows its own id in another column (a
contract's number HT2026-00042): the insert writes the whole row, and the record is never
saved a second time, which a versioned record may not be (core.versioned)."""

from django.db import connection
from django.db.models import Model


def next_id(model: type[Model]) -> int:
    """The id the next row of `model` is inserted with (pass it as `pk`). Call it inside the
    transaction that inserts: on SQLite that transaction holds the one write lock (BEGIN
    IMMEDIATE), so no other writer takes the id meanwhile; on PostgreSQL the id comes from the
    table's own sequence, as the insert would have drawn it."""
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [table, column])
        else:
            # AUTOINCREMENT: never an id used before, even one since deleted
            quoted = connection.ops.quote_name
            cursor.execute(
                f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608  # nosec B608 (names from the model's meta, quoted)
                f"coalesce((SELECT max({quoted(column)}) FROM {quoted(table)}), 0)) + 1",
                [table],
            )
        return cursor.fetchone()[0]
