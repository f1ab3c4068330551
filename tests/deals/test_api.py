"""The deal pipeline through the API: create, tick, be refused, move, lose, reopen."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from salesop.core.testing import SIGNED_PDF, make_account, make_deal, make_template
from salesop.deals.discovery.services import question_create
from salesop.deals.models import Deal, StageEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, org):
    client.force_login(org.rep)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def call(method, url, body=None):
        return getattr(client, method)(f"/api/v1{url}", body, content_type="application/json")

    return call


# What each stage's criteria ask beyond the checklist, done through the API as a client would.
STAGE_WORK = {
    "discovery": [
        (
            "put",
            "/deals/{deal}/discovery/prep",
            {"industry_news": "电商旺季单量增长 35%", "competitor_moves": "竞品 A 降价"},
        ),
        ("post", "/deals/{deal}/call-plan", {"question_ids": ["{question}"]}),
        (
            "post",
            "/deals/{deal}/needs",
            {"kind": "hidden_pain", "summary": "旺季错发", "customer_words": "双十一就乱"},
        ),
        (
            "post",
            "/deals/{deal}/needs",
            {"kind": "feature", "summary": "扫码复核", "customer_words": "出库前要扫码"},
        ),
        ("post", "/deals/{deal}/recap/generate", {"language": "zh-hans"}),
        ("post", "/accounts/{account}/contacts", {"name": "王经理", "email": "wang@yc.example.cn"}),
        ("post", "/deals/{deal}/recap/links", {"contact_id": "{contact}"}),
        ("customer_confirms", None, None),
    ],
    "solution": [
        (
            "post",
            "/deals/{deal}/stakeholders",
            {"role": "decision_maker", "new_contact_name": "周总", "new_contact_title": "CEO"},
        ),
        ("post", "/deals/{deal}/proposals", {"title": "智能仓储方案", "audience": "executive"}),
        (
            "post",
            "/proposals/{proposal}/rows",
            {
                "rows": [
                    {
                        "pain": "旺季错发",
                        "solution": "扫码复核",
                        "value": "差错率下降 80%",
                        "amount": "80",
                        "unit": "%",
                    }
                ]
            },
        ),
        ("post", "/proposals/{proposal}/present", {"duration_minutes": 60}),
        (
            "post",
            "/deals/{deal}/activities",
            {"kind": "demo", "subject": "仓库现场演示", "outcome": "positive"},
        ),
    ],
    "negotiation": [
        ("engage", "decision_maker", None),
        (
            "post",
            "/deals/{deal}/quotes",
            {"lines": [{"description": "WMS 许可", "list_price": "480000.00"}]},
        ),
    ],
    "contracting": [
        ("post", "/deals/{deal}/contracts", {"quote_id": "{quote}", "template_id": "{template}"}),
        ("post", "/contracts/{contract}/submit", {}),
        ("put", "/contracts/{contract}/schedule", {"target_signing_date": "{in_two_weeks}"}),
        ("post", "/contracts/{contract}/documents/contract", {"ready": True}),
        ("post", "/contracts/{contract}/documents/authorisation_letter", {"ready": True}),
        ("post", "/contracts/{contract}/documents/license_copy", {"ready": True}),
        ("post", "/contracts/{contract}/send", {}),
    ],
}


def test_walk_a_deal_through_every_stage_via_the_api(api, client, org):
    template = make_template(org.ops)
    account = make_account(org.rep, "上海云仓物流有限公司")
    created = api(
        "post",
        "/deals",
        {
            "account_id": account.pk,
            "name": "WMS 升级",
            "amount": "480000.00",
            "currency": "CNY",
            "expected_close_date": (timezone.localdate() + timedelta(days=60)).isoformat(),
        },
    )
    assert created.status_code == 201, created.content
    deal_id = created.json()["id"]
    in_two_weeks = (timezone.localdate() + timedelta(days=14)).isoformat()
    question = question_create(by=org.ops, text="明年最重要的经营目标是什么?", layer="deep")
    ids = {
        "deal": deal_id,
        "account": account.pk,
        "template": template.pk,
        "in_two_weeks": in_two_weeks,
        "question": question.pk,
    }
    for stage, target in [
        ("discovery", "solution"),
        ("solution", "negotiation"),
        ("negotiation", "contracting"),
        ("contracting", "won"),
    ]:
        gate = api("get", f"/deals/{deal_id}/gate?to_stage={target}").json()
        assert gate["allowed"] is False
        refused = api("post", f"/deals/{deal_id}/move", {"to_stage": target})
        assert refused.status_code == 422
        body = refused.json()
        assert body["code"] == "gate_refused"
        # each unmet item and criterion named, as the gate said
        named = [e["loc"][-1] for e in body["errors"]]
        assert sorted(named) == sorted(f["key"] for f in gate["failures"])
        assert len(named) == len(set(named)) == len(body["detail"].split("; "))
        detail = api("get", f"/deals/{deal_id}").json()
        assert detail["stage"] == stage
        for row in detail["checklist"]:
            ticked = api(
                "post", f"/deals/{deal_id}/checklist", {"stage": row["stage"], "item": row["item"]}
            )
            if row["evidence"]:  # it ticks itself from the work below, never by a call
                assert ticked.status_code == 422 and bool(row["missing"]) != row["done"]
                continue
            assert ticked.status_code == 200
        for method, url, body in STAGE_WORK.get(stage, []):
            if method == "customer_confirms":  # through the link, as the customer would
                answered = client.post(ids.pop("recap_url"), {"answer": "confirm"})
                assert 'data-testid="recap-thanks"' in answered.content.decode()
                continue
            if method == "engage":
                people = api("get", f"/deals/{deal_id}/stakeholders").json()
                person = next(p for p in people if p["role"] == url)
                assert "ROI" in person["emphasis"]
                url, method, body = (
                    f"/deals/{{deal}}/stakeholders/{person['id']}/engaged",
                    "post",
                    {},
                )
            if body and "question_ids" in body:
                body = {"question_ids": [ids["question"]]}
            if body and "contact_id" in body:
                body = {"contact_id": ids["contact"]}
            if body and "quote_id" in body:
                body = {key: int(value.format(**ids)) for key, value in body.items()}
            if body and "target_signing_date" in body:
                body = {"target_signing_date": ids["in_two_weeks"]}
            done = api(method, url.format(**ids), body)
            assert done.status_code in (200, 201), (url, done.content)
            if url == "/accounts/{account}/contacts":
                ids["contact"] = done.json()["id"]
            if url == "/deals/{deal}/recap/links":
                ids["recap_url"] = urlsplit(done.json()["url"]).path
            if url == "/deals/{deal}/proposals":
                ids["proposal"] = done.json()["id"]
            if url == "/deals/{deal}/contracts":
                ids["contract"] = done.json()["id"]
            if url.startswith("/deals/{deal}/quotes"):
                ids["quote"] = done.json()["id"]
                submitted = api("post", f"/quotes/{ids['quote']}/submit", {})
                assert submitted.json()["status"] == "approved"
        checklist = api("get", f"/deals/{deal_id}").json()["checklist"]
        assert all(row["done"] for row in checklist), checklist  # the work ticked the evidence
        if target == "won":  # the customer's signature wins the deal
            signed = client.post(
                f"/api/v1/contracts/{ids['contract']}/sign",
                {"file": SimpleUploadedFile("signed.pdf", SIGNED_PDF, "application/pdf")},
            )
            assert signed.status_code == 200, signed.content
            assert signed.json()["status"] == "signed"
            continue
        moved = api("post", f"/deals/{deal_id}/move", {"to_stage": target})
        assert moved.status_code == 200, moved.content
        assert moved.json()["stage"] == target
    final = api("get", f"/deals/{deal_id}").json()
    assert final["status"] == "won" and final["probability"] == 100
    assert [h["to_stage"] for h in final["history"]] == [
        "discovery",
        "solution",
        "negotiation",
        "contracting",
        "won",
    ]


def test_lost_and_reopen_via_the_api(api, client, org):
    deal = make_deal(org.rep)
    bad = api("post", f"/deals/{deal.pk}/lost", {"reason": "mercury retrograde"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "reason"]
    lost = api("post", f"/deals/{deal.pk}/lost", {"reason": "price", "note": "贵了 20%"})
    assert lost.json()["status"] == "lost"
    assert api("post", f"/deals/{deal.pk}/reopen", {"reason": "x"}).status_code == 422
    client.force_login(org.manager)
    reopened = api("post", f"/deals/{deal.pk}/reopen", {"reason": "预算已批"})
    assert reopened.status_code == 200 and reopened.json()["stage"] == "discovery"


def test_stale_expected_version_answers_409(api, org):
    deal = make_deal(org.rep)
    response = api("patch", f"/deals/{deal.pk}", {"name": "新名称", "expected_version": 99})
    assert response.status_code == 409
    assert Deal.objects.get(pk=deal.pk).name == "仓储系统升级"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "-5"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"expected_close_date": "2024-02-30"}, "expected_close_date"),
        ({"stage": "won"}, "stage"),
        ({"amount": "1.234"}, "amount"),
        ({"name": None}, "name"),
    ],
)
def test_bad_deal_edits_name_the_field(api, org, body, field):
    deal = make_deal(org.rep)
    response = api("patch", f"/deals/{deal.pk}", body)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["loc"][-1] == field
    fresh = Deal.objects.get(pk=deal.pk)
    assert (fresh.stage, fresh.amount, fresh.version) == ("discovery", deal.amount, 1)


def test_unknown_checklist_item_via_api(api, org):
    deal = make_deal(org.rep)
    response = api("post", f"/deals/{deal.pk}/checklist", {"stage": "discovery", "item": "nope"})
    assert response.status_code == 422
    assert not deal.ticks.exists()


def test_foreign_deal_is_404_everywhere(api, org):
    foreign = make_deal(org.outsider)
    for method, url, body in [
        ("get", f"/deals/{foreign.pk}", None),
        ("patch", f"/deals/{foreign.pk}", {"name": "x"}),
        ("post", f"/deals/{foreign.pk}/move", {"to_stage": "solution"}),
        ("post", f"/deals/{foreign.pk}/lost", {"reason": "price"}),
        ("post", f"/deals/{foreign.pk}/checklist", {"stage": "discovery", "item": "prep_done"}),
        ("get", f"/deals/{foreign.pk}/gate?to_stage=solution", None),
    ]:
        assert api(method, url, body).status_code == 404, (method, url)
    assert StageEvent.objects.filter(deal=foreign).count() == 1
    assert api("get", "/deals").json()["items"] == []


def test_deal_list_filters_and_query_count(api, org, django_assert_max_num_queries):
    for i in range(12):
        make_deal(org.rep, name=f"商机 {i}", amount=Decimal(1000 * (i + 1)))
    with django_assert_max_num_queries(6):
        body = api("get", "/deals?amount_min=5000&amount_max=9000&status=open").json()
    assert sorted(d["name"] for d in body["items"]) == [f"商机 {i}" for i in range(4, 9)]


def test_the_last_day_of_the_calendar_is_an_expected_close_date_without_a_timer(api, org):
    # The signing timer runs out at the end of the day, the next day's start: 31 December
    # 9999 has none, and computing it answered 500 (OverflowError) on the API and the edit page.
    deal = make_deal(org.rep)
    response = api("patch", f"/deals/{deal.pk}", {"expected_close_date": "9999-12-31"})
    assert response.status_code == 200, response.content
    fresh = Deal.objects.get(pk=deal.pk)
    assert str(fresh.expected_close_date) == "9999-12-31" and fresh.close_due_at is None
    response = api("patch", f"/deals/{deal.pk}", {"expected_close_date": "9999-12-30"})
    assert Deal.objects.get(pk=deal.pk).close_due_at is not None
