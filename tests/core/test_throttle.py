"""Rate limits count once for the installation: in the database when there is no Redis, so a
second gunicorn worker (or machine) does not grant the allowance again."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from salesop.core.models import RateWindow
from salesop.core.throttle import over_limit


@pytest.mark.django_db(transaction=True)
def test_another_connection_counts_against_the_same_minute():
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
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert over_limit("portal:7", 3) is False
    assert RateWindow.objects.get(door="portal:7").count == 1
