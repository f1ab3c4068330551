"""After-sales through the API: projects, the weekly update, tickets and their clocks,
surveys, revisits and growth; bad input answered 422 with the field, others' records 404."""

from datetime import timedelta

import pytest
from django.utils import timezone

from salesop.aftersales.models import Revisit
from salesop.core.testing import make_account
from tests.aftersales.test_services import delivery, win  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def call(client, method, url, body=None):
    return getattr(client, method)(f"/api/v1{url}", body or {}, content_type="application/json")


def test_project_ticket_survey_walk(client, org, delivery):  # noqa: F811
    project = win(org)
    client.force_login(delivery["pm"])
    detail = call(client, "get", f"/projects/{project.pk}").json()
    assert {m["role"] for m in detail["members"]} == {
        "project_manager",
        "tech_support",
        "customer_success",
    }
    milestone = detail["milestones"][0]
    call(client, "post", f"/projects/{project.pk}/milestones/{milestone['id']}/done")
    draft = call(client, "post", f"/projects/{project.pk}/updates/draft").json()
    assert draft["text"].startswith("本周已完成")
    sent = call(
        client,
        "post",
        f"/projects/{project.pk}/updates/{draft['id']}/send",
        {"text": draft["text"], "recipients": ["it@yc.cn"]},
    ).json()
    assert sent["status"] == "sent"

    skewed = call(
        client,
        "post",
        "/tickets",
        {
            "account_id": project.account_id,
            "channel": "phone",
            "severity": "urgent",
            "title": "扫码枪离线",
            "description": "3 号仓",
            "opened_at": (timezone.now() + timedelta(hours=3)).isoformat(),
        },
    )
    assert skewed.status_code == 422 and skewed.json()["errors"][0]["loc"] == ["body", "opened_at"]
    ticket = call(
        client,
        "post",
        "/tickets",
        {
            "account_id": project.account_id,
            "project_id": project.pk,
            "channel": "phone",
            "severity": "urgent",
            "title": "扫码枪离线",
            "description": "3 号仓",
        },
    ).json()
    assert ticket["owner_id"] == delivery["tech"].pk
    client.force_login(delivery["tech"])
    assert [t["id"] for t in call(client, "get", "/tickets").json()] == [ticket["id"]]
    responded = call(client, "post", f"/tickets/{ticket['id']}/responses", {"body": "已收到"})
    assert responded.json()["responded_at"] and responded.json()["response_breach_seconds"] == 0
    call(client, "post", f"/tickets/{ticket['id']}/direction", {"direction": "重启网关"})
    resolved = call(client, "post", f"/tickets/{ticket['id']}/resolve").json()
    assert resolved["status"] == "resolved"
    survey = call(client, "post", "/surveys", {"ticket_id": ticket["id"]})
    assert survey.status_code == 201 and "/support/survey/" in survey.json()["link"]

    client.force_login(org.outsider)
    assert call(client, "get", f"/tickets/{ticket['id']}").status_code == 404
    assert call(client, "get", f"/projects/{project.pk}").status_code == 404


def test_revisits_and_growth_through_the_api(client, org, delivery):  # noqa: F811
    project = win(org)
    client.force_login(delivery["csm"])
    planned = call(client, "get", f"/accounts/{project.account_id}/revisits").json()
    assert planned and all(r["status"] == "planned" for r in planned)
    revisit_id = planned[0]["id"]
    bad = call(client, "post", f"/revisits/{revisit_id}/record", {"form": "visit"})
    assert bad.status_code == 422
    done = call(
        client,
        "post",
        f"/revisits/{revisit_id}/record",
        {
            "form": "visit",
            "new_needs": "需要移动端审批",
            "competitor_news": "竞品 A 降价",
            "competitor": "竞品 A",
        },
    ).json()
    assert done["status"] == "done" and done["competitor"] == "竞品 A"
    followed = call(client, "post", f"/revisits/{revisit_id}/follow-up", {"as": "deal"})
    assert followed.status_code == 201 and followed.json()["deal_id"]
    growth = call(client, "get", f"/accounts/{project.account_id}/growth").json()
    assert growth["stage"] == "onboarding"
    changed = call(
        client,
        "put",
        f"/accounts/{project.account_id}/growth",
        {"stage": "expansion", "reason": "新仓"},
    ).json()
    assert changed["stage"] == "expansion"
    assert Revisit.objects.filter(account_id=project.account_id, status="done").count() == 1
    other = make_account(org.outsider, "别人的客户")
    assert call(client, "get", f"/accounts/{other.pk}/growth").status_code == 404
