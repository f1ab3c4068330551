"""Reading many rows in a job that writes while it reads (progress, results), in batches of
which none is open while the job writes.

QuerySet.iterator() keeps its statement open between chunks, and on SQLite an open statement
holds a read transaction: a snapshot, which a write on the same connection must upgrade. Once
another connection has written meanwhile (every running job's heartbeat does, each
JOB_STALE_AFTER / 6) the upgrade is refused at once, whatever the busy timeout: "database is
locked" (issue 21: lead exports to XLSX past 20 s failed at their progress update).

The rows' ids are read first, in order, by one query read to its end; then each batch is read by
its ids and handed over whole. Not keyset pages: a page after the last row reads cheaply only
when the database walks an index in the list's order, and with a filter such as a rep's
visibility SQLite sorts every matching row for each page instead (measured: 0.5 s for each
page of 2,000 of a rep's 180,000 leads, against 0.12 s for a batch read by its ids). The ids
cost 8 bytes a row (180,000 leads: 1.4 MB); the rows themselves are one batch at a time."""

from array import array
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet


def batches(queryset: QuerySet, *, ordering: tuple[str, ...], size: int) -> Iterator[list[Any]]:
    """The rows `queryset` held when called, in `ordering`, as lists of at most `size`. Each
    row is read as it is when its batch is; one gone by then (deleted, or no longer matching
    the queryset's filters) is left out, and a batch left empty is not handed over. Nothing is
    open on the connection between batches, on SQLite or PostgreSQL. The model's primary key
    must be an integer."""
    ids = array("q", queryset.order_by(*ordering).values_list("pk", flat=True).iterator(10_000))
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        rows = {row.pk: row for row in queryset.order_by().filter(pk__in=chunk.tolist())}
        if rows:
            yield [rows[pk] for pk in chunk if pk in rows]
