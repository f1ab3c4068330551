"""Sweeps run twice at once, or killed half-way and restarted, still alert each condition
exactly once: correctness comes from database state, not from the job queue."""

import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone

from salesop.core.testing import make_deal, make_org
from salesop.deals.models import Deal
from salesop.monitor.models import Alert, Notification
from salesop.monitor.services import sweep

SALESOP = str(Path(sys.executable).with_name("salesop"))

SEED = """
from datetime import timedelta
from django.utils import timezone
from salesop.core.testing import make_deal, make_org
from salesop.deals.models import Deal
org = make_org()
first = make_deal(org.rep)
Deal.objects.bulk_create([
    Deal(name=f"deal {i}", account=first.account, owner=org.rep, team=org.rep.team,
         stage="discovery", playbook_version=first.playbook_version,
         stage_entered_at=timezone.now() - timedelta(days=20))
    for i in range(__COUNT__)
])
Deal.objects.update(stage_due_at=timezone.now() - timedelta(hours=1))
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_alert_each_deal_once():
    org = make_org()
    deals = [make_deal(org.rep, name=f"d{i}") for i in range(40)]
    Deal.objects.update(stage_due_at=timezone.now() - timedelta(minutes=1))
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            sweep()
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert Alert.objects.count() == len(deals)
    assert Notification.objects.count() == len(deals)
    assert not Deal.objects.filter(stage_due_at__isnull=False).exists()


@pytest.mark.process
def test_worker_killed_mid_sweep_loses_and_duplicates_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESOP_", "DJANGO_"))}
    env.update(SALESOP_DATA_DIR=str(tmp_path), SALESOP_SECRET_KEY=secrets.token_urlsafe(50))

    def run(*args):
        return subprocess.run(
            [SALESOP, *args], env=env, capture_output=True, text=True, timeout=300
        )

    assert run("migrate").returncode == 0
    seeded = run("manage", "shell", "-c", SEED.replace("__COUNT__", "999"))
    assert seeded.returncode == 0, seeded.stderr
    db = tmp_path / "salesop.sqlite3"

    def alerts() -> int:
        with sqlite3.connect(db, timeout=30) as conn:
            return conn.execute("select count(*) from monitor_alert").fetchone()[0]

    sweeper = subprocess.Popen(
        [SALESOP, "sweep", "--no-send"],
        env=env,  # noqa: S603
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while alerts() < 50 and time.monotonic() < deadline and sweeper.poll() is None:
        time.sleep(0.05)
    os.kill(sweeper.pid, signal.SIGKILL)
    sweeper.wait()
    partial = alerts()
    assert 0 < partial < 1000, "the kill should land mid-sweep"

    assert run("sweep", "--no-send").returncode == 0
    with sqlite3.connect(db) as conn:

        def q(sql):
            return conn.execute(sql).fetchone()[0]

        assert q("select count(*) from monitor_alert") == 1000
        assert q("select count(distinct deal_id) from monitor_alert") == 1000
        assert q("select count(*) from monitor_notification") == 1000
        assert q("select count(*) from deals_deal where stage_due_at is not null") == 0
