"""The worker's pulse: /health/ (public, for load balancers and monitoring) and the ops home
page show when it last swept, and sales ops are told (inbox, email, chat) once when sweeps
stop and once when they resume."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from salesop.monitor.liveness import sweep_recorded, sweeps_watch
from salesop.monitor.models import Notification, WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_health_answers_503_until_the_worker_sweeps_then_200(client):
    before = client.get("/health/")
    assert before.status_code == 503
    assert before.json() == {
        "status": "unavailable",
        "database": "ok",
        "worker": {
            "last_sweep_at": None,
            "seconds_since_sweep": None,
            "stale_after_seconds": 300,
            "sweeping": False,
        },
    }
    sweep_recorded()
    after = client.get("/health/")
    assert after.status_code == 200
    body = after.json()
    assert body["status"] == "ok" and body["worker"]["sweeping"] is True
    assert 0 <= body["worker"]["seconds_since_sweep"] < 5
    # Public, so it says nothing else, sets no cookie and is never cached.
    assert set(body) == {"status", "database", "worker"} and not after.cookies
    assert "no-cache" in after["Cache-Control"]
    assert client.post("/health/").status_code == 405


def test_health_answers_503_once_sweeps_are_older_than_the_threshold(client, settings):
    settings.SWEEP_STALE_AFTER = timedelta(minutes=5)
    sweep_recorded()
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        assert client.get("/health/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        late = client.get("/health/")
    assert late.status_code == 503
    assert late.json()["worker"]["seconds_since_sweep"] >= 360


def test_the_ops_home_page_shows_the_last_sweep_and_warns_when_it_is_old(client, org):
    org.ops.language = "en"
    org.ops.save()
    client.force_login(org.ops)
    assert "No sweep has run yet" in client.get("/").content.decode()
    sweep_recorded()
    page = client.get("/").content.decode()
    assert "Background worker: last sweep" in page and "not sweeping" not in page
    with time_machine.travel(timezone.now() + timedelta(minutes=7)):
        page = client.get("/").content.decode()
    assert "The background worker is not sweeping" in page and "alert-danger" in page
    client.force_login(org.rep)
    assert 'data-testid="worker-status"' not in client.get("/").content.decode()


def test_ops_are_told_once_per_outage_by_inbox_email_and_chat(org, receiver):
    org.ops.email, org.ops.language = "ops@example.com", "en"
    org.ops.save()
    chat = receiver()
    WebhookEndpoint.objects.create(name="ops", kind="generic", url=chat.url)
    tickets_only = receiver()
    WebhookEndpoint.objects.create(
        name="tickets", kind="generic", url=tickets_only.url, alert_kinds=["ticket.sla_breached"]
    )
    start = timezone.now()
    sweep_recorded(start)

    assert not sweeps_watch(since=start, now=start + timedelta(minutes=4))
    assert sweeps_watch(since=start, now=start + timedelta(minutes=6))
    assert not sweeps_watch(since=start, now=start + timedelta(minutes=7))  # told once

    told = Notification.objects.get(user=org.ops)
    assert told.title.startswith("The background worker has not swept since")
    assert not Notification.objects.exclude(user=org.ops).exists()  # sales ops only
    assert [m.to for m in mail.outbox] == [["ops@example.com"]]  # sent now, not by the worker
    posted = [json.loads(request["body"]) for request in chat.requests]
    assert [p["event"] for p in posted] == ["worker.stopped"]  # in the site's language
    assert "没有运行" in posted[0]["text"] and posted[0]["text"].endswith("127.0.0.1:8000/")
    assert tickets_only.requests == []  # a channel for some alerts only is not bothered

    sweep_recorded(start + timedelta(minutes=8))
    assert Notification.objects.filter(title="The background worker runs again.").count() == 1
    sweep_recorded(start + timedelta(minutes=9))  # and only once
    assert Notification.objects.filter(user=org.ops).count() == 2
    # A second outage is a second message.
    assert sweeps_watch(since=start, now=start + timedelta(minutes=20))


def test_a_worker_that_never_swept_is_reported_once_the_watch_has_waited_long_enough(org):
    start = timezone.now()
    assert not sweeps_watch(since=start, now=start + timedelta(minutes=4))
    assert sweeps_watch(since=start, now=start + timedelta(minutes=6))
    assert "没有后台任务进程" in Notification.objects.get(user=org.ops).title  # zh-hans default
