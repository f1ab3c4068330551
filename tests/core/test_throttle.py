"""Rate limits count once for the installation (in the database when there is no Redis, so a
second gunicorn worker does not grant the allowance again), over a sliding minute, and never
make a call wait on an import's long write."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction

from salesop.core.models import RateWindow
from salesop.core.throttle import over_limit

pytestmark = pytest.mark.django_db(transaction=True)

# The 50th second of a minute, and of the ones after
AT = datetime(2026, 6, 1, 8, 0, 50, tzinfo=UTC)


def test_another_connection_counts_against_the_same_minute():
    with time_machine.travel(AT, tick=False):
        assert [over_limit("portal:7", 3) for _ in range(2)] == [False, False]
        answers = []

        def elsewhere():  # its own database connection, as another process has
            try:
                answers.extend(over_limit("portal:7", 3) for _ in range(2))
            finally:
                connection.close()

        worker = threading.Thread(target=elsewhere)
        worker.start()
        worker.join()
        assert answers == [False, True]
        assert over_limit("portal:8", 3) is False  # another door has its own count


def test_the_limit_holds_across_the_edge_of_a_minute():
    # Fixed windows let 3 through at :50 and 3 more at :05 of the next minute: 6 in 15 s.
    with time_machine.travel(AT, tick=False):
        assert [over_limit("api:token1", 3) for _ in range(3)] == [False] * 3
    with time_machine.travel(AT + timedelta(seconds=15), tick=False):
        assert over_limit("api:token1", 3) is True  # 3 of the last 60 s still count
    with time_machine.travel(AT + timedelta(seconds=60), tick=False):
        assert over_limit("api:token1", 3) is False  # a sixth of them: 0.5 + 2
    with time_machine.travel(AT + timedelta(minutes=3), tick=False):
        assert over_limit("api:token1", 3) is False
    assert RateWindow.objects.get(door="api:token1").count == 1


def test_a_call_is_not_held_by_a_long_write_elsewhere():
    # An import held SQLite's writer for minutes: every API call waited 20 s for the count,
    # then answered 500. It is let through uncounted; PostgreSQL counts beside the import.
    holding, done = threading.Event(), threading.Event()

    def long_import():
        try:
            with transaction.atomic():
                if connection.vendor == "sqlite":
                    connection.cursor().execute("UPDATE core_ratewindow SET count = count")
                    connection.cursor().execute("INSERT INTO core_ratewindow VALUES ('x', 1, 1, 0)")
                else:
                    RateWindow.objects.create(door="x", minute=1, count=1)
                holding.set()
                done.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=long_import)
    worker.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        assert over_limit("api:user1", 600) is False
        assert time.monotonic() - started < 2
    finally:
        done.set()
        worker.join()
