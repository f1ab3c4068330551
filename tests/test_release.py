"""Servers started at the same instant on one data directory (docs/DEPLOY.md, "Releases"): the
release steps (migrations, static files) run once, under a lock, and every server answers. Before,
each `salesop serve` migrated and collected static files at once: of three servers started
together on a fresh SQLite data directory only one answered ("table customers_account already
exists"), and on PostgreSQL the second copied over the first's static files and never answered."""

import os
import re
import secrets
import subprocess
import sys
import time
import uuid
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = pytest.mark.process

SALESOP = str(Path(sys.executable).with_name("salesop"))
REDIS = os.environ.get("SALESOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SERVERS = 3
UP_WITHIN = 180  # seconds, for all three on two shared cores


def _free_ports(n: int) -> list[int]:
    import socket

    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _get(port: int, path: str) -> tuple[int, str]:
    conn = HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _env(data_dir: Path, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESOP_", "DJANGO_"))}
    env.update(
        SALESOP_DATA_DIR=str(data_dir),
        SALESOP_SECRET_KEY=secrets.token_urlsafe(50),
        SALESOP_HTTPS="0",
        SALESOP_EMAIL_URL="dummy://",
        SALESOP_LANGUAGE="en",
        **more,
    )
    return env


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([SALESOP, *args], env=env, capture_output=True, text=True, timeout=300)


def _start_together(env: dict[str, str], logs: Path, *extra: str) -> list[tuple[int, object]]:
    """SERVERS `salesop serve` processes started at the same instant, each on its own port."""
    logs.mkdir()
    servers = []
    for port in _free_ports(SERVERS):
        out = open(logs / f"{port}.log", "w")  # the child keeps its own copy
        process = subprocess.Popen(
            [SALESOP, "serve", "--port", str(port), "--workers", "1", *extra],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        servers.append((port, process))
    return servers


def _all_answer(servers, logs: Path) -> None:
    """Every server answers its login page and the stylesheet the page links, within
    UP_WITHIN seconds of the start."""
    deadline = time.monotonic() + UP_WITHIN
    waiting = {port for port, _ in servers}
    while waiting and time.monotonic() < deadline:
        for port, process in servers:
            if port not in waiting:
                continue
            if process.poll() is not None:
                log = (logs / f"{port}.log").read_text()
                raise AssertionError(f"the server on {port} stopped:\n{log[-3000:]}")
            try:
                status, page = _get(port, "/login/")
            except OSError:
                continue
            assert status == 200, (port, status, page[:500])
            stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', page)
            assert stylesheets, "the login page links its stylesheets"
            for href in stylesheets:
                assert _get(port, href)[0] == 200, (port, href)
            waiting.discard(port)
        time.sleep(0.3)
    late = {p: (logs / f"{p}.log").read_text()[-3000:] for p in waiting}
    assert not waiting, f"no answer within {UP_WITHIN} s from {sorted(waiting)}: {late}"


def _stop(servers) -> None:
    import signal

    for _, process in servers:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for _, process in servers:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def _releases_done(logs: Path) -> int:
    """How many servers applied the migrations (the others found them applied)."""
    return sum("migrations applied" in log.read_text() for log in logs.iterdir())


def test_three_servers_started_at_once_on_a_fresh_sqlite_directory_all_answer(tmp_path):
    env = _env(tmp_path / "data")
    servers = _start_together(env, tmp_path / "logs")
    try:
        _all_answer(servers, tmp_path / "logs")
    finally:
        _stop(servers)
    assert _releases_done(tmp_path / "logs") == 1, "the migrations ran once"


def test_release_then_servers_that_only_serve(tmp_path):
    env = _env(tmp_path / "data")
    early = _run("serve", "--no-release", "--port", str(_free_ports(1)[0]), env=env)
    assert early.returncode != 0
    assert "salesop release" in early.stderr, early.stderr  # says what to run first
    first = _run("release", env=env)
    assert first.returncode == 0, first.stderr
    assert "migrations applied" in first.stdout and "static files collected" in first.stdout
    again = _run("release", env=env)
    assert again.returncode == 0, again.stderr
    # nothing left to do, nothing done twice
    assert "schema was up to date" in again.stdout, again.stdout
    assert "static files were up to date" in again.stdout, again.stdout
    servers = _start_together(env, tmp_path / "logs", "--no-release", "--no-worker")
    try:
        _all_answer(servers, tmp_path / "logs")
    finally:
        _stop(servers)
    assert _releases_done(tmp_path / "logs") == 0


@pytest.fixture
def fresh_postgres():
    """An empty PostgreSQL database beside the test database, dropped afterwards."""
    import psycopg

    url = urlsplit(os.environ["SALESOP_DATABASE_URL"])
    name = f"salesop_release_{uuid.uuid4().hex[:12]}"
    admin = urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(url._replace(path="/" + name))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url():
    import redis

    client = redis.Redis.from_url(REDIS)
    try:
        client.flushdb()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is needed on {REDIS} for the several-servers proof: {exc}")
    yield REDIS
    client.flushdb()


@pytest.mark.postgres
def test_three_servers_started_at_once_on_a_fresh_postgres_database_all_answer(
    tmp_path, fresh_postgres, redis_url
):
    # as docs/DEPLOY.md describes: app servers without their worker, one PostgreSQL, one Redis,
    # one shared data directory
    env = _env(
        tmp_path / "shared", SALESOP_DATABASE_URL=fresh_postgres, SALESOP_REDIS_URL=redis_url
    )
    servers = _start_together(env, tmp_path / "logs", "--no-worker")
    try:
        _all_answer(servers, tmp_path / "logs")
    finally:
        _stop(servers)
    assert _releases_done(tmp_path / "logs") == 1, "the migrations ran once"
