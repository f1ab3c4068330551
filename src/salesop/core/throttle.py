"""Fixed one-minute windows, one count across every process and machine of the installation:
in Redis when there is one (atomic INCR), otherwise in the database (one atomic upsert). A
count in process memory let each gunicorn worker grant the whole allowance again. Used by the
doors that take no login (the lead intake per channel, the customer's support link) and the
API's limit per caller."""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection

# Another minute starts the count again; PostgreSQL and SQLite 3.35+ both speak this.
_COUNT = (
    "INSERT INTO core_ratewindow (door, minute, count) VALUES (%s, %s, 1) ON CONFLICT (door) "
    "DO UPDATE SET count = CASE WHEN core_ratewindow.minute = excluded.minute "
    "THEN core_ratewindow.count + 1 ELSE 1 END, minute = excluded.minute RETURNING count"
)


def over_limit(key: str, per_minute: int) -> bool:
    """Counts one more use of `key` in the current minute; True once there were more than
    `per_minute`."""
    minute = int(time.time() // 60)
    if settings.REDIS_URL:
        key = f"throttle:{key}:{minute}"
        cache.add(key, 0, timeout=120)
        return cache.incr(key) > per_minute
    with connection.cursor() as cursor:
        cursor.execute(_COUNT, [key[:100], minute])
        return cursor.fetchone()[0] > per_minute
