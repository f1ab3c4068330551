"""`salesop serve` as a user runs it, with its worker killed (kill -9) mid-import: the worker is
started again and logged, sweeps again within seconds (a deal that fell due meanwhile gets its
alert, /health/ shows the new sweep), and the import it left running is failed saying the
worker stopped, with nothing half-written. With no worker at all, the web server tells sales
ops that sweeps stopped, once, and that they resumed when a worker comes."""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path

import pytest

from salesop.core.testing import Receiver
from salesop.monitor.supervisor import WorkerSupervisor

SALESOP = str(Path(sys.executable).with_name("salesop"))
ROWS = 20_000  # about five seconds of import: long enough to be killed in the middle

SEED = """
from django.core.files.uploadedfile import SimpleUploadedFile
from salesop.core.testing import make_channel, make_deal, make_org
from salesop.leads.jobs import import_start, import_upload
from salesop.monitor.models import WebhookEndpoint
org = make_org()
org.ops.email = "ops@example.com"
org.ops.save()
make_deal(org.rep, name="falls due while the worker is dead")
WebhookEndpoint.objects.create(name="ops chat", kind="generic", url="__HOOK__")
if __ROWS__:
    rows = "\\r\\n".join(f"公司{i},联系人{i},138{i:08d},,浙江" for i in range(__ROWS__))
    content = ("公司名称,联系人,手机,邮箱,地区\\r\\n" + rows).encode()
    job = import_upload(
        by=org.rep, upload=SimpleUploadedFile("big.csv", content), channel=make_channel()
    )
    import_start(job=job, by=org.rep, mapping=job.mapping, dedupe="create",
                 all_or_nothing=True, dry_run=False)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(data: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESOP_", "DJANGO_"))}
    env.update(
        SALESOP_DATA_DIR=str(data),
        SALESOP_SECRET_KEY=secrets.token_urlsafe(50),
        SALESOP_HTTPS="false",
        SALESOP_LANGUAGE="en",
        SALESOP_EMAIL_URL="dummy://",
        SALESOP_WEBHOOK_ALLOW_PRIVATE="true",
        **extra,
    )
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """One migrated SQLite database the tests copy: migrating takes most of a test's time."""
    data = tmp_path_factory.mktemp("migrated")
    done = subprocess.run(
        [SALESOP, "migrate"], env=_environment(data), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return data / "salesop.sqlite3"


def _prepare(env: dict, migrated: Path, rows: int, hook: str = "http://127.0.0.1:9/hook"):
    data = Path(env["SALESOP_DATA_DIR"])
    data.mkdir(parents=True)
    shutil.copyfile(migrated, data / "salesop.sqlite3")
    seed = SEED.replace("__ROWS__", str(rows)).replace("__HOOK__", hook)
    done = subprocess.run(
        [SALESOP, "manage", "shell", "-c", seed], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def _health(port: int) -> tuple[int, dict]:
    conn = HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/health/")
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def _until(condition, seconds: float, what: str, server: subprocess.Popen | None = None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server is None or server.poll() is None, "salesop serve stopped"
        try:
            value = condition()
        except (OSError, sqlite3.OperationalError):
            value = None
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {what}")


def _query(db: Path, sql: str, *params):
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute(sql, params).fetchone()


@pytest.fixture
def serve(tmp_path):
    started = []

    def start(env: dict, *args: str) -> tuple[subprocess.Popen, int, Path]:
        port, log = _free_port(), tmp_path / f"serve-{len(started)}.log"
        with open(log, "wb") as out:
            server = subprocess.Popen(
                [SALESOP, "serve", "--port", str(port), "--workers", "1", *args],
                env=env,
                stdout=out,
                stderr=out,
                start_new_session=True,  # its worker is stopped with it below
            )
        started.append(server)
        _until(lambda: _health(port), 60, "salesop serve answers", server)
        return server, port, log

    yield start
    for server in started:
        server.terminate()
    for server in started:
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


@pytest.mark.process
def test_a_killed_worker_is_restarted_sweeps_again_and_fails_the_import_it_left(
    tmp_path, migrated, serve
):
    env = _environment(tmp_path / "data")
    _prepare(env, migrated, ROWS)
    db = tmp_path / "data" / "salesop.sqlite3"
    server, port, log = serve(env)

    pids = lambda: re.findall(r"worker started \(pid (\d+)\)", log.read_text())  # noqa: E731
    worker = int(_until(pids, 30, "the worker starts", server)[0])
    _until(
        lambda: _query(db, "select status from leads_importjob")[0] == "running",
        60,
        "the worker runs the import",
        server,
    )
    os.kill(worker, signal.SIGKILL)
    killed_at = datetime.now(UTC)
    # While the worker is dead, a deal falls due: only a sweep after the kill can alert it.
    with sqlite3.connect(db, timeout=30) as conn:
        conn.execute("update deals_deal set stage_due_at = ?", ["2000-01-01 00:00:00"])

    _until(lambda: len(pids()) == 2, 30, "the worker is started again", server)
    restarted = log.read_text()
    assert f"worker (pid {worker}) was killed by SIGKILL" in restarted
    assert "restarting it in 1 s (restart 1)" in restarted

    # Within seconds, not at the next minute: the restarted worker sweeps on starting.
    alerts = "select count(*) from monitor_alert where kind = 'deal.stage_overdue'"
    _until(lambda: _query(db, alerts)[0] == 1, 30, "the overdue deal is alerted", server)

    def swept_since_the_kill():
        # the sweep's alert commits before the sweep records itself (monitor.tasks): ask
        # /health/ until the pulse is the restarted worker's, not the dead one's last
        status, health = _health(port)
        last = health.get("worker", {}).get("last_sweep_at")
        return status == 200 and last and datetime.fromisoformat(last) > killed_at and health

    health = _until(swept_since_the_kill, 30, "/health/ shows a sweep since the kill", server)
    assert health["database"] == "ok" and health["worker"]["sweeping"] is True
    assert datetime.fromisoformat(health["worker"]["last_sweep_at"]) > killed_at
    assert 0 <= health["worker"]["seconds_since_sweep"] < 30

    # The import the dead worker was running says so; all or nothing: nothing was written.
    status, message = _until(
        lambda: (
            (row := _query(db, "select status, message from leads_importjob"))[0] == "failed"
            and row
        ),
        30,
        "the import is failed",
        server,
    )
    assert message.startswith("Failed: the worker stopped before it finished.")
    assert "Nothing was imported" in message
    assert _query(db, "select count(*) from leads_lead")[0] == 0
    # (The nightly work may be running now: its heartbeat is its own.)
    assert _query(db, "select count(*) from monitor_heartbeat where kind = 'leads.import'")[0] == 0


@pytest.mark.process
def test_the_web_server_tells_ops_once_when_sweeps_stop_and_when_they_resume(
    tmp_path, migrated, serve
):
    receiver = Receiver()
    try:
        env = _environment(tmp_path / "data", SALESOP_SWEEP_STALE_SECONDS="2")
        _prepare(env, migrated, 0, hook=receiver.url)
        db = tmp_path / "data" / "salesop.sqlite3"
        server, port, _log = serve(env, "--no-worker")
        assert _health(port)[0] == 503  # no worker has swept yet

        told = _until(lambda: receiver.requests, 30, "ops' chat hears of it", server)
        payload = json.loads(told[0]["body"])
        assert payload["event"] == "worker.stopped"
        assert "No background worker has swept" in payload["text"]
        inbox = "select title, email_due_at from monitor_notification n join accounts_user u"
        inbox += " on u.id = n.user_id where u.username = 'ops'"
        with sqlite3.connect(db, timeout=30) as conn:
            notes = conn.execute(inbox).fetchall()
        assert len(notes) == 1 and "not running" in notes[0][0]
        time.sleep(3)  # more rounds of the watch: still told once
        assert len(receiver.requests) == 1
        assert _query(db, "select count(*) from monitor_notification")[0] == 1

        worker = subprocess.Popen(
            [SALESOP, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            _until(lambda: _health(port)[0] == 200, 60, "/health/ says ok again", server)
            resumed = "select count(*) from monitor_notification where title like '%runs again%'"
            _until(lambda: _query(db, resumed)[0] == 1, 30, "ops hear it runs again", server)
        finally:
            worker.terminate()
            worker.wait(30)
    finally:
        receiver.close()


def test_a_worker_that_keeps_stopping_is_restarted_ever_more_slowly(caplog):
    supervisor = WorkerSupervisor([sys.executable, "-c", "raise SystemExit(3)"], delay=0)
    with caplog.at_level("INFO", logger="salesop.supervisor"):
        supervisor.start()
        deadline = time.monotonic() + 20
        while supervisor.restarts < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        supervisor.stop()
    stops = [r.getMessage() for r in caplog.records if "restarting" in r.getMessage()]
    assert len(stops) >= 3
    assert "exited with status 3" in stops[0]
    assert [re.search(r"in (\d+) s", s).group(1) for s in stops[:3]] == ["0", "1", "2"]


@pytest.mark.process
def test_a_killed_web_server_ends_serve_with_a_log_line_and_a_failing_status(
    tmp_path, migrated, serve
):
    """kill -9 of gunicorn's master ended `salesop serve` without a word: it now says the web
    server stopped and how, and exits as a shell reports a process killed by that signal."""
    env = _environment(tmp_path / "data")
    _prepare(env, migrated, 0)
    server, _port, log = serve(env, "--no-worker")
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    (web,) = children  # with --no-worker, gunicorn's master is serve's only child
    os.kill(int(web), signal.SIGKILL)
    assert server.wait(30) == 128 + signal.SIGKILL
    assert "the web server was killed by SIGKILL: salesop serve stops" in log.read_text()
