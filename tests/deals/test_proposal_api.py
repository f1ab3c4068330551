"""Proposals and objections through the API: the same services, scoped by the deal."""

import io
from decimal import Decimal

import pytest
from docx import Document

from salesop.activities.models import Activity
from salesop.core.testing import make_deal
from salesop.deals.models import DealObjection, ObjectionEntry, Proposal

pytestmark = pytest.mark.django_db

ROW = {"pain": "人工排班跟不上", "solution": "智能排班", "value": "人工成本每年节省"}


@pytest.fixture
def api(client, org):
    client.force_login(org.rep)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def call(method, url, body=None):
        return getattr(client, method)(f"/api/v1{url}", body, content_type="application/json")

    return call


def test_build_price_present_and_export_a_proposal(api, org):
    deal = make_deal(org.rep)
    created = api("post", f"/deals/{deal.pk}/proposals", {"title": "WMS", "audience": "full"})
    assert created.status_code == 201, created.content
    pid = created.json()["id"]
    rows = api("post", f"/proposals/{pid}/rows", {"rows": [{**ROW, "amount": "360000.00"}]})
    assert rows.status_code == 201, rows.content
    assert rows.json()[0]["unit"] == "CNY"
    roi = api(
        "put",
        f"/proposals/{pid}/roi",
        {"investment": "480000", "benefits": [{"label": "labour", "amount": "360000"}]},
    )
    assert roi.status_code == 200, roi.content
    assert roi.json()["roi"]["payback_months"] == "16.0"
    assert roi.json()["roi"]["roi_pct"] == "125.0"
    presented = api("post", f"/proposals/{pid}/present", {"duration_minutes": 45})
    assert presented.status_code == 200 and presented.json()["status"] == "delivered"
    assert Activity.objects.get(deal=deal).duration_minutes == 45
    docx = api("get", f"/proposals/{pid}/docx")
    assert docx.status_code == 200
    text = "\n".join(
        c.text for t in Document(io.BytesIO(docx.content)).tables for r in t.rows for c in r.cells
    )
    assert "人工成本每年节省" in text and "¥360,000.00" in text
    listed = api("get", f"/deals/{deal.pk}/proposals").json()
    assert [(p["number"], p["row_count"]) for p in listed] == [(1, 1)]
    version = api("post", f"/proposals/{pid}/versions")
    assert version.status_code == 201 and version.json()["number"] == 2
    assert len(version.json()["rows"]) == 1 and version.json()["roi"]["investment"] == "480000.00"


def test_zero_investment_is_a_clear_422_naming_the_field(api, org):
    proposal = api("post", f"/deals/{make_deal(org.rep).pk}/proposals", {}).json()
    response = api(
        "put",
        f"/proposals/{proposal['id']}/roi",
        {"investment": "0", "benefits": [{"label": "x", "amount": "1"}]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "roi.investment"]


def test_bad_row_is_named_and_nothing_is_written(api, org):
    proposal = api("post", f"/deals/{make_deal(org.rep).pk}/proposals", {}).json()
    rows = [ROW, ROW, {**ROW, "amount": "-1"}]
    response = api("post", f"/proposals/{proposal['id']}/rows", {"rows": rows})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "rows[2].amount"]]
    assert not Proposal.objects.get(pk=proposal["id"]).rows.exists()


def test_zero_duration_presentation_is_refused(api, org):
    proposal = api("post", f"/deals/{make_deal(org.rep).pk}/proposals", {}).json()
    api("post", f"/proposals/{proposal['id']}/rows", {"rows": [ROW]})
    response = api("post", f"/proposals/{proposal['id']}/present", {"duration_minutes": 0})
    assert response.status_code == 422 and not Activity.objects.exists()


def test_objections_library_and_deal_objections(api, org):
    deal = make_deal(org.rep)
    entry = ObjectionEntry.objects.create(
        category="price", objection="太贵了", acknowledge="理解", answer="订阅制降低初始投入"
    )
    assert [e["id"] for e in api("get", "/objections/library?category=price").json()] == [entry.pk]
    raised = api(
        "post",
        f"/deals/{deal.pk}/objections",
        {"customer_words": "价格比预算高 20%", "entry_id": entry.pk},
    )
    assert raised.status_code == 201, raised.content
    assert raised.json()["category"] == "price" and not raised.json()["resolved"]
    oid = raised.json()["id"]
    resolved = api(
        "post", f"/deals/{deal.pk}/objections/{oid}/resolve", {"answer_used": "分期订阅"}
    )
    assert resolved.status_code == 200 and resolved.json()["resolved"]
    assert [o["id"] for o in api("get", f"/deals/{deal.pk}/objections").json()] == [oid]


def test_outsider_gets_404_on_every_proposal_and_objection_endpoint(client, org):
    deal = make_deal(org.rep)
    proposal = Proposal.objects.create(deal=deal, number=1, title="x")
    objection = DealObjection.objects.create(deal=deal, category="price", customer_words="x")
    client.force_login(org.outsider)
    pid, did = proposal.pk, deal.pk
    calls = [
        ("get", f"/deals/{did}/proposals", None),
        ("post", f"/deals/{did}/proposals", {}),
        ("get", f"/proposals/{pid}", None),
        ("post", f"/proposals/{pid}/versions", None),
        ("post", f"/proposals/{pid}/rows", {"rows": [ROW]}),
        ("put", f"/proposals/{pid}/rows", {"rows": [ROW]}),
        ("put", f"/proposals/{pid}/roi", {"investment": "1", "benefits": []}),
        ("post", f"/proposals/{pid}/present", {"duration_minutes": 5}),
        ("get", f"/proposals/{pid}/docx", None),
        ("get", f"/deals/{did}/objections", None),
        ("post", f"/deals/{did}/objections", {"customer_words": "x", "category": "price"}),
        ("post", f"/deals/{did}/objections/{objection.pk}/resolve", {"answer_used": "x"}),
    ]
    for method, url, body in calls:
        response = getattr(client, method)(f"/api/v1{url}", body, content_type="application/json")
        assert response.status_code == 404, (method, url, response.status_code)
    assert Proposal.objects.count() == 1 and not Activity.objects.exists()
    assert DealObjection.objects.get().resolved is False


def test_amount_figures_keep_decimals(api, org):
    proposal = api("post", f"/deals/{make_deal(org.rep).pk}/proposals", {}).json()
    row = {**ROW, "amount": "12.5", "unit": "天"}
    added = api("post", f"/proposals/{proposal['id']}/rows", {"rows": [row]}).json()
    assert Decimal(added[0]["amount"]) == Decimal("12.5") and added[0]["unit"] == "天"
