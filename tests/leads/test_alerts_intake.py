"""Lead timers (first contact, 7-day follow-up, escalation to the manager) and the public intake
endpoint (channel key, idempotency, rate limit, clear errors)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from salesop.activities.services import activity_log
from salesop.core.testing import make_channel, make_lead
from salesop.leads.channels import channel_rotate_intake_key
from salesop.leads.models import Lead
from salesop.monitor.models import Alert, Notification
from salesop.monitor.services import sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


def test_first_contact_window(org, frozen):
    lead = make_lead(org.rep)
    frozen.shift(timedelta(hours=24) - timedelta(seconds=1))
    assert sweep().opened == 0
    frozen.shift(timedelta(seconds=1))
    assert sweep().opened == 1
    alert = Alert.objects.get(kind="lead.first_contact_overdue")
    assert alert.owner == org.rep and "杭州智造" in Notification.objects.get(user=org.rep).title
    activity_log(
        by=org.rep, account=None, lead=lead, kind="call", subject="电话", outcome="neutral"
    )
    assert sweep().resolved == 1


def test_seven_days_without_follow_up_then_three_more_to_the_manager(org, frozen):
    lead = make_lead(org.rep)
    activity_log(
        by=org.rep, account=None, lead=lead, kind="call", subject="电话", outcome="neutral"
    )
    frozen.shift(timedelta(days=7) - timedelta(minutes=1))
    assert sweep().opened == 0
    frozen.shift(timedelta(minutes=1))
    assert sweep().opened == 1 and sweep().opened == 0
    frozen.shift(timedelta(days=3))
    assert sweep().escalated == 1
    assert Notification.objects.filter(user=org.manager, title__contains="杭州智造").exists()
    activity_log(
        by=org.rep, account=None, lead=lead, kind="visit", subject="拜访", outcome="positive"
    )
    assert sweep().resolved == 1
    frozen.shift(timedelta(days=7))
    assert sweep().opened == 1  # a new silence is a new lapse


def test_closed_lead_stops_its_timers(org, frozen):
    from salesop.leads.services import lead_disqualify

    lead = make_lead(org.rep)
    lead_disqualify(lead=lead, by=org.rep, reason="fake")
    frozen.shift(timedelta(days=30))
    assert sweep().opened == 0


@pytest.fixture
def channel_key(org):
    channel = make_channel("官网表单 Website", kind="website")
    return channel, channel_rotate_intake_key(channel=channel, by=org.ops)


def post(client, body, key, idem=None, **extra):
    headers = {"HTTP_X_CHANNEL_KEY": key, **extra}
    if idem:
        headers["HTTP_IDEMPOTENCY_KEY"] = idem
    return client.post("/api/v1/intake/leads", body, content_type="application/json", **headers)


def test_intake_with_idempotency_creates_one_lead(client, org, channel_key):
    channel, key = channel_key
    body = {
        "company_name": "宁波港通国际贸易有限公司",
        "contact_name": "陈先生",
        "phone": "139 0000 1111",
        "region": "浙江",
    }
    first = post(client, body, key, idem="form-7781")
    again = post(client, body, key, idem="form-7781")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    lead = Lead.objects.get()
    assert lead.channel == channel and lead.phone_e164 == "+8613900001111"
    assert "rep" in lead.owner.roles


def test_intake_refuses_bad_keys_and_bad_bodies(client, org, channel_key):
    channel, key = channel_key
    assert post(client, {"company_name": "x"}, "sik_wrong").status_code == 401
    bad = post(client, {"company_name": "", "surprise": 1}, key)
    assert bad.status_code == 422
    assert {e["loc"][-1] for e in bad.json()["errors"]} == {"company_name", "surprise"}
    channel_rotate_intake_key(channel=channel, by=org.ops)
    assert post(client, {"company_name": "x"}, key).status_code == 401  # rotated away
    assert not Lead.objects.exists()


def test_intake_is_rate_limited_per_channel(client, org, channel_key, settings):
    settings.INTAKE_RATE_PER_MINUTE = 3
    _, key = channel_key
    codes = [post(client, {"company_name": f"公司 {i}"}, key).status_code for i in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    assert Lead.objects.count() == 3


def test_the_same_idempotency_key_with_another_body_is_refused_naming_the_key(
    client, org, channel_key
):
    """A retry sends the same body; the same key with another body is a client's mistake (a
    key reused for a new submission): answered 409 naming the key, not with the first lead."""
    _, key = channel_key
    body = {"company_name": "宁波港通国际贸易有限公司", "contact_name": "陈先生"}
    first = post(client, body, key, idem="form-7781")
    assert first.status_code == 201
    other = post(client, {**body, "company_name": "温州瓯江电器有限公司"}, key, idem="form-7781")
    assert other.status_code == 409
    refused = other.json()
    assert refused["code"] == "idempotency_key_reused" and "form-7781" in refused["detail"]
    assert refused["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert list(Lead.objects.values_list("company_name", flat=True)) == [body["company_name"]]
    # The same body written another way (key order, spacing) is a retry.
    again = client.post(
        "/api/v1/intake/leads",
        '{ "contact_name": "陈先生",\n  "company_name": "宁波港通国际贸易有限公司" }',
        content_type="application/json",
        HTTP_X_CHANNEL_KEY=key,
        HTTP_IDEMPOTENCY_KEY="form-7781",
    )
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
