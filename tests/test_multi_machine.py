"""More than one machine (docs/DEPLOY.md): two app servers on different ports and two job
workers, against one PostgreSQL and one Redis on loopback. A write through either server is
read back through the other, the API and intake rate limits are counted once across both, and
sweeps run by both workers alert each due deal once."""

import json
import os
import secrets
import subprocess
import sys
import time
from datetime import timedelta
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection
from django.utils import timezone

from salesop.accounts.services import api_token_create
from salesop.core.testing import make_channel, make_deal, make_org
from salesop.deals.models import Deal
from salesop.leads.channels import channel_rotate_intake_key
from salesop.monitor.models import Alert, Notification

pytestmark = pytest.mark.process

SALESOP = str(Path(sys.executable).with_name("salesop"))
REDIS = os.environ.get("SALESOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(port, method, path, body=None, headers=None):
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    data = json.dumps(body).encode() if body is not None else None
    conn.request(
        method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})}
    )
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, json.loads(payload) if payload else None


def _wait_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, "the app server stopped"
        try:
            conn = HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/login/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"no app server on port {port}")


@pytest.fixture
def redis_url():
    import redis

    client = redis.Redis.from_url(REDIS)
    try:
        client.flushdb()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is needed on {REDIS} for the multi-machine proof: {exc}")
    yield REDIS
    client.flushdb()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_servers_and_two_workers_share_one_database_and_redis(tmp_path, redis_url):
    org = make_org()
    channel = make_channel()
    token = api_token_create(user=org.rep, name="two machines")[1]
    auth = {"Authorization": f"Bearer {token}"}
    intake_key = channel_rotate_intake_key(channel=channel, by=org.ops)
    due = [make_deal(org.rep, name=f"到期商机 {i}") for i in range(30)]
    Deal.objects.update(stage_due_at=timezone.now() - timedelta(hours=1))

    url = urlsplit(os.environ["SALESOP_DATABASE_URL"])
    database = urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESOP_", "DJANGO_"))}
    env.update(
        SALESOP_DATABASE_URL=database,
        SALESOP_REDIS_URL=redis_url,
        SALESOP_SECRET_KEY=secrets.token_urlsafe(50),
        SALESOP_DATA_DIR=str(tmp_path / "shared"),  # the shared file storage
        SALESOP_HTTPS="0",
        SALESOP_EMAIL_URL="dummy://",
        SALESOP_INTAKE_RATE_PER_MINUTE="6",
        SALESOP_API_RATE_PER_MINUTE="40",
    )
    processes = []
    try:
        ports = []
        for _ in range(2):
            port = _free_port()
            server = subprocess.Popen(
                [SALESOP, "serve", "--no-worker", "--port", str(port), "--workers", "2"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            processes.append(server)
            _wait_up(port, server)  # one after the other: each collects static files first
            ports.append(port)
        logs = [tmp_path / f"worker{i}.log" for i in range(2)]
        for log in logs:
            with open(log, "w") as out:
                processes.append(
                    subprocess.Popen([SALESOP, "worker"], env=env, stdout=out, stderr=out)
                )

        # Every write through one server is there through the other.
        for i in range(10):
            here, there = ports[i % 2], ports[(i + 1) % 2]
            status, lead = _call(
                here,
                "POST",
                "/api/v1/leads",
                {"company_name": f"双机测试 Two Machines {i}", "channel_id": channel.pk},
                auth,
            )
            assert status == 201, lead
            status, seen = _call(there, "GET", f"/api/v1/leads/{lead['id']}", headers=auth)
            assert status == 200 and seen["company_name"] == f"双机测试 Two Machines {i}"
        status, page = _call(ports[0], "GET", "/api/v1/leads?page_size=200", headers=auth)
        assert status == 200 and len(page["items"]) == 10

        # The token's limit (40 calls a minute) is one count across both servers: 21 calls
        # above, 19 more alternating between them, then the 41st is refused by either.
        more = [_call(ports[i % 2], "GET", "/api/v1/me", headers=auth)[0] for i in range(21)]
        assert more == [200] * 19 + [429] * 2

        # The intake limit (6 a minute) is one count in Redis, not one per server.
        answers = [
            _call(
                ports[i % 2],
                "POST",
                "/api/v1/intake/leads",
                {"company_name": f"官网询盘 {i}"},
                {"X-Channel-Key": intake_key},
            )[0]
            for i in range(8)
        ]
        assert answers == [201] * 6 + [429] * 2

        # Sweeps enqueued from any machine run on both workers; each due deal is alerted once.
        deadline = time.monotonic() + 120
        enqueue = "from salesop.monitor.tasks import alert_sweep\nfor _ in range(4): alert_sweep()"
        while time.monotonic() < deadline:
            queued = subprocess.run(
                [SALESOP, "manage", "shell", "-c", enqueue], env=env, capture_output=True
            )
            assert queued.returncode == 0, queued.stderr
            time.sleep(3)
            ran = [log.read_text().count("alert_sweep") for log in logs]
            if all(ran) and Alert.objects.count() == len(due):
                break
        assert all(ran), f"both workers should have swept: {ran}"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
    alerts = Alert.objects.filter(kind="deal.stage_overdue")
    assert alerts.count() == len(due)
    assert alerts.values("deal").distinct().count() == len(due)
    assert Notification.objects.filter(alert__in=alerts).count() == len(due)
