"""Each chat format arrives at a real local HTTP server, signed as the receiver checks it; a
failing or slow receiver is retried with backoff and never stops the others."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone, translation

from salesop.core.errors import DomainError
from salesop.core.testing import make_deal
from salesop.monitor.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from salesop.monitor.rules import in_quiet_hours, quiet_until
from salesop.monitor.sending import deliver_due_webhooks
from salesop.monitor.services import (
    sweep,
    webhook_endpoint_save,
    webhook_send_test,
)

pytestmark = pytest.mark.django_db
SECRET = "SEC0123456789abcdef"


def endpoint(org, kind, url, **kw):
    return webhook_endpoint_save(
        by=org.ops, name=f"{kind} 群", kind=kind, url=url, secret=kw.pop("secret", SECRET), **kw
    )


def overdue_alert(org, time_machine, **deal):
    time_machine.move_to(timezone.now(), tick=False)
    make_deal(org.rep, **deal)
    time_machine.shift(timedelta(days=14))
    assert sweep().opened == 1


def test_every_format_arrives_signed(org, receiver, time_machine):
    servers = {kind: receiver() for kind in ("wecom", "dingtalk", "feishu", "slack", "generic")}
    for kind, server in servers.items():
        endpoint(org, kind, server.url + ("?access_token=t" if kind == "dingtalk" else ""))
    overdue_alert(org, time_machine)
    assert deliver_due_webhooks().sent == 5

    wecom = json.loads(servers["wecom"].requests[0]["body"])
    assert wecom["msgtype"] == "markdown" and "仓储系统升级" in wecom["markdown"]["content"]

    ding = servers["dingtalk"].requests[0]
    query = parse_qs(urlsplit(ding["path"]).query)
    ts = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"][0] == expected and query["access_token"] == ["t"]

    feishu = json.loads(servers["feishu"].requests[0]["body"])
    key = f"{feishu['timestamp']}\n{SECRET}".encode()
    assert feishu["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert feishu["msg_type"] == "text"

    assert "仓储系统升级" in json.loads(servers["slack"].requests[0]["body"])["text"]

    generic = servers["generic"].requests[0]
    ts = generic["headers"]["X-Salesop-Timestamp"]
    mac = hmac.new(SECRET.encode(), f"{ts}.".encode() + generic["body"], hashlib.sha256)
    assert generic["headers"]["X-Salesop-Signature"] == "sha256=" + mac.hexdigest()
    body = json.loads(generic["body"])
    assert body["event"] == "alert.opened" and body["alert"]["kind"] == "deal.stage_overdue"


def test_failing_receiver_is_retried_then_failed_and_others_still_get_theirs(
    org, receiver, time_machine, settings
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    broken, slow, good = receiver(status=500), receiver(delay=2), receiver()
    for name, server in (("broken", broken), ("slow", slow), ("good", good)):
        webhook_endpoint_save(by=org.ops, name=name, kind="slack", url=server.url)
    overdue_alert(org, time_machine)
    assert deliver_due_webhooks().sent == 1
    assert len(good.requests) == 1
    failed = WebhookDelivery.objects.exclude(endpoint__name="good")
    assert all(d.status == "pending" and d.last_error for d in failed)
    for backoff in (1, 5, 30, 120):
        time_machine.shift(timedelta(minutes=backoff))
        deliver_due_webhooks()
    assert {d.status for d in failed.all()} == {"failed"}
    assert DeliveryAttempt.objects.filter(delivery__endpoint__name="broken").count() == 5
    assert len(broken.requests) == 5
    assert len(good.requests) == 1  # sent once, never again


def test_address_with_chinese_in_its_path_is_sent_percent_encoded(org, receiver):
    server = receiver()
    hook = endpoint(org, "generic", server.url + "/群机器人?name=销售群&x=%41")
    assert webhook_send_test(endpoint=hook, by=org.ops).status == "sent"
    assert server.requests[0]["path"] == (
        "/hook/%E7%BE%A4%E6%9C%BA%E5%99%A8%E4%BA%BA?name=%E9%94%80%E5%94%AE%E7%BE%A4&x=%41"
    )


def test_claimed_delivery_is_not_sent_twice(org, receiver, time_machine):
    server = receiver()
    endpoint(org, "slack", server.url)
    overdue_alert(org, time_machine)
    assert deliver_due_webhooks().sent == 1
    assert deliver_due_webhooks().sent == 0
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/hook", "http"),
        ("javascript:alert(1)", "http"),
        ("http://127.0.0.1:9/hook", "private"),
        ("http://10.1.2.3/hook", "private"),
        ("http://[::ffff:127.0.0.1]/hook", "private"),
        ("https://example.com:99999/hook", "65535"),
        ("https://example.com:0/hook", "65535"),
    ],
)
def test_disallowed_addresses_are_refused(org, settings, url, message):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with translation.override("en"), pytest.raises(DomainError) as refused:
        endpoint(org, "generic", url)
    assert message in refused.value.fields["url"]
    assert not WebhookEndpoint.objects.exists()


def test_allowed_host_list(org, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["qyapi.weixin.qq.com"]
    with pytest.raises(DomainError):
        endpoint(org, "wecom", "http://127.0.0.1/hook")


def test_only_ops_manage_webhooks(org, receiver):
    with pytest.raises(DomainError):
        webhook_endpoint_save(by=org.manager, name="x", kind="slack", url=receiver().url)


def test_send_test_button_and_delivery_log(client, org, receiver):
    server = receiver()
    hook = endpoint(org, "wecom", server.url)
    client.force_login(org.ops)
    client.post(f"/alerts/webhooks/{hook.pk}/test/")
    assert len(server.requests) == 1
    page = client.get(f"/alerts/webhooks/{hook.pk}/").content.decode()
    assert 'data-testid="deliveries"' in page and "test" in page and " 200 " in page
    client.force_login(org.rep)
    assert client.get(f"/alerts/webhooks/{hook.pk}/").status_code == 403


@pytest.mark.parametrize(
    ("now", "start", "end", "quiet"),
    [
        ("23:30", "22:00", "07:00", True),
        ("06:59", "22:00", "07:00", True),
        ("07:00", "22:00", "07:00", False),
        ("12:00", "22:00", "07:00", False),
        ("12:30", "12:00", "13:00", True),
        ("13:00", "12:00", "13:00", False),
    ],
)
def test_quiet_hours_wrap_midnight(now, start, end, quiet):
    from datetime import datetime, time

    t = time.fromisoformat
    assert in_quiet_hours(t(now), t(start), t(end)) is quiet
    local = datetime.fromisoformat(f"2027-03-01T{now}:00+08:00")
    until = quiet_until(local, t(start), t(end))
    assert (until > local) is quiet
    if quiet:
        assert until.time() == t(end)
