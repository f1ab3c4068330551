"""Rate limits, one count across every process and machine of the installation: in Redis when
there is one, otherwise in the database (one atomic upsert). A count in process memory let each
gunicorn worker grant the whole allowance again.

A sliding minute: the uses of this minute plus those of the minute before, weighted by how much
of it is still within the last 60 seconds. Fixed windows let twice the limit through across a
minute's edge (1,200 calls in 12 s at 600 a minute). Used by the doors that take no login (the
lead intake per channel, the customer's support link) and the API's limit per caller."""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connection

log = logging.getLogger(__name__)

# PostgreSQL and SQLite 3.35+ both speak this; every right-hand side reads the row as it was.
_COUNT = (
    "INSERT INTO core_ratewindow (door, minute, count, previous) VALUES (%s, %s, 1, 0) "
    "ON CONFLICT (door) DO UPDATE SET "
    "previous = CASE WHEN core_ratewindow.minute = excluded.minute THEN core_ratewindow.previous "
    "WHEN core_ratewindow.minute = excluded.minute - 1 THEN core_ratewindow.count ELSE 0 END, "
    "count = CASE WHEN core_ratewindow.minute = excluded.minute "
    "THEN core_ratewindow.count + 1 ELSE 1 END, "
    "minute = excluded.minute RETURNING count, previous"
)
# SQLite has one writer: while an import holds it, a count waits this long, then the call is
# let through uncounted rather than answered 500 after the 20 s the database waits.
SQLITE_WAIT_MS = 200


def over_limit(key: str, per_minute: int) -> bool:
    """Counts one more use of `key`; True once there were more than `per_minute` in the last
    60 seconds."""
    now = time.time()
    minute = int(now // 60)
    current, previous = (_redis if settings.REDIS_URL else _database)(key[:100], minute)
    return previous * (1 - (now % 60) / 60) + current > per_minute


def _redis(key: str, minute: int) -> tuple[int, int]:
    this, last = f"throttle:{key}:{minute}", f"throttle:{key}:{minute - 1}"
    cache.add(this, 0, timeout=120)
    return cache.incr(this), cache.get(last) or 0


def _database(key: str, minute: int) -> tuple[int, int]:
    if connection.vendor != "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(_COUNT, [key, minute])
            return cursor.fetchone()
    connection.ensure_connection()
    raw = connection.connection
    waited = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    raw.execute(f"PRAGMA busy_timeout = {SQLITE_WAIT_MS}")
    try:
        with connection.cursor() as cursor:
            cursor.execute(_COUNT, [key, minute])
            return cursor.fetchone()
    except OperationalError as exc:  # the writer is held: not counted
        log.warning("rate limit for %s not counted: %s", key, exc)
        return 0, 0
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(waited)}")
