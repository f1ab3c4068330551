"""My alerts, team alerts, the inbox with its unread count, preferences, the daily digest."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from salesop.activities.services import task_create
from salesop.core.testing import in_zone, make_deal
from salesop.monitor.models import Notification, NotificationPreference
from salesop.monitor.sending import send_daily_digests
from salesop.monitor.services import sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerted(org, time_machine):
    time_machine.move_to(datetime(2027, 3, 1, 1, 0, tzinfo=UTC), tick=False)
    make_deal(org.rep, name="WMS 升级")
    make_deal(org.outsider, name="北方项目")
    time_machine.shift(timedelta(days=14))
    assert sweep().opened == 2


def test_inbox_shows_unread_count_and_marks_read(client, org, alerted):
    client.force_login(org.rep)
    home = client.get("/").content.decode()
    assert 'data-testid="unread-count">1<' in home
    inbox = client.get("/alerts/inbox/").content.decode()
    assert "WMS 升级" in inbox and "北方项目" not in inbox
    note = Notification.objects.get(user=org.rep)
    client.post("/alerts/inbox/read/", {"id": note.pk})
    assert 'data-testid="unread-count"' not in client.get("/").content.decode()


def test_alerts_page_mine_and_team(client, org, alerted):
    client.force_login(org.rep)
    mine = client.get("/alerts/").content.decode()
    assert "WMS 升级" in mine and "北方项目" not in mine
    client.force_login(org.manager)
    assert "WMS 升级" not in client.get("/alerts/").content.decode()
    team = client.get("/alerts/?scope=team").content.decode()
    assert "WMS 升级" in team and "北方项目" not in team
    client.force_login(org.ops)
    assert "北方项目" in client.get("/alerts/?scope=team").content.decode()


def test_alerts_api_filters_and_scopes(client, org, alerted):
    client.force_login(org.manager)
    body = client.get("/api/v1/alerts?scope=team&status=open&kind=deal.stage_overdue").json()
    assert [a["owner_id"] for a in body["items"]] == [org.rep.pk]
    assert client.get("/api/v1/alerts?scope=everyone").status_code == 422
    client.force_login(org.rep)
    assert client.post(
        "/api/v1/notifications/read", {}, content_type="application/json"
    ).json() == {"marked": 1}


def test_preferences_via_api_and_page(client, org):
    client.force_login(org.rep)
    ok = client.put(
        "/api/v1/me/notification-preferences",
        {
            "email_enabled": False,
            "muted_kinds": ["deal.signing_overdue"],
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["quiet_start"] == "22:00"
    for bad in (
        {"muted_kinds": ["deal.vanished"]},
        {"quiet_start": "25:00"},
        {"email_enabled": "no"},
    ):
        response = client.put(
            "/api/v1/me/notification-preferences", bad, content_type="application/json"
        )
        assert response.status_code == 422, bad
    half = client.post("/alerts/preferences/", {"quiet_start": "22:00"})
    assert "invalid-feedback" in half.content.decode() or "alert-danger" in half.content.decode()
    pref = NotificationPreference.objects.get(user=org.rep)
    assert pref.muted_kinds == ["deal.signing_overdue"] and not pref.email_enabled


def test_daily_digest_once_per_day_with_team_lapses(org, alerted, time_machine):
    for user, address in ((org.rep, "rep@example.cn"), (org.manager, "mgr@example.cn")):
        user.email = address
        user.save()
    in_zone("", org.rep, org.manager)  # the company's: 08:00 in Shanghai
    task_create(by=org.rep, title="发送报价单", due_at=timezone.now() + timedelta(hours=1))
    time_machine.move_to(datetime(2027, 3, 16, 0, 10, tzinfo=UTC), tick=False)  # 08:10 Shanghai
    assert send_daily_digests().sent == 2
    assert send_daily_digests().sent == 0
    by_to = {m.to[0]: m for m in mail.outbox}
    assert "WMS 升级" in by_to["rep@example.cn"].body
    assert "张伟" in by_to["mgr@example.cn"].body and "WMS 升级" in by_to["mgr@example.cn"].body
    time_machine.move_to(datetime(2027, 3, 16, 5, 10, tzinfo=UTC), tick=False)
    assert send_daily_digests().sent == 0  # not 8 o'clock anywhere relevant


def test_alert_list_query_count_does_not_grow(
    client, org, time_machine, django_assert_max_num_queries
):
    time_machine.move_to(datetime(2027, 3, 1, 1, 0, tzinfo=UTC), tick=False)
    for i in range(15):
        make_deal(org.rep, name=f"商机 {i}")
    time_machine.shift(timedelta(days=14))
    assert sweep().opened == 15
    client.force_login(org.rep)
    with django_assert_max_num_queries(8):
        page = client.get("/alerts/").content.decode()
    assert "商机 14" in page
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/v1/alerts").json()["items"]) == 15
