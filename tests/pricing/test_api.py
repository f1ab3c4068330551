"""Quotes and approvals through the API: scoped to what the caller may see and decide."""

import pytest

from salesop.core.testing import make_deal
from salesop.pricing.models import Approval

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(f"/api/v1{url}", body or {}, content_type="application/json")


def test_quote_flow_through_the_api(client, org):
    deal = make_deal(org.rep)
    client.force_login(org.rep)
    bad = post(
        client,
        f"/deals/{deal.pk}/quotes",
        {"lines": [{"description": "WMS", "list_price": "1000", "discount_pct": "120"}]},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"][-1] == "discount_pct"
    created = post(
        client,
        f"/deals/{deal.pk}/quotes",
        {
            "payment_term_days": 60,
            "lines": [
                {
                    "description": "WMS 许可",
                    "list_price": "100000",
                    "quantity": 2,
                    "discount_pct": "15",
                }
            ],
        },
    )
    assert created.status_code == 201, created.content
    quote_id = created.json()["id"]
    submitted = post(client, f"/quotes/{quote_id}/submit").json()
    assert submitted["status"] == "pending"
    assert {a["role"] for a in submitted["approvals"]} == {"manager"}
    own = Approval.objects.filter(quote_id=quote_id).first()
    assert post(client, f"/approvals/{own.pk}/decide", {"approve": True}).status_code == 422
    client.force_login(org.other_manager)  # another team's manager: not theirs to decide
    assert post(client, f"/approvals/{own.pk}/decide", {"approve": True}).status_code == 404
    client.force_login(org.manager)
    queue = client.get("/api/v1/approvals").json()
    assert len(queue) == 2
    for approval in queue:
        assert (
            post(
                client,
                f"/approvals/{approval['id']}/decide",
                {"approve": True, "comment": "战略客户"},
            ).status_code
            == 200
        )
    client.force_login(org.rep)
    assert client.get(f"/api/v1/deals/{deal.pk}/quotes").json()[0]["status"] == "approved"


def test_foreign_deal_quotes_are_404(client, org):
    deal = make_deal(org.outsider)
    client.force_login(org.rep)
    assert client.get(f"/api/v1/deals/{deal.pk}/quotes").status_code == 404
    body = {"lines": [{"description": "x", "list_price": "1"}]}
    assert post(client, f"/deals/{deal.pk}/quotes", body).status_code == 404


def test_quote_on_the_deal_page_and_the_approval_queue(client, org):
    deal = make_deal(org.rep)
    client.force_login(org.rep)
    client.post(
        f"/approvals/deal/{deal.pk}/quote/",
        {
            "description": "WMS 许可",
            "list_price": "100000",
            "quantity": "1",
            "discount_pct": "25",
            "payment_term_days": "30",
            "currency": "CNY",
        },
    )
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert 'data-testid="quotes"' in page and "WMS 许可" in page
    approval = Approval.objects.get()
    assert approval.role == "finance"
    client.force_login(org.manager)
    assert "WMS" not in client.get("/approvals/").content.decode()  # finance decides this one
    assert (
        client.post(f"/approvals/{approval.pk}/decide/", {"decision": "approve"}).status_code == 404
    )
    client.force_login(org.finance)
    assert "仓储系统升级" in client.get("/approvals/").content.decode()
    client.post(f"/approvals/{approval.pk}/decide/", {"decision": "approve", "comment": "ok"})
    approval.refresh_from_db()
    assert approval.status == "approved" and approval.quote.status == "approved"


def test_deal_page_query_count_with_quotes(client, org, django_assert_max_num_queries):
    from salesop.pricing.services import quote_create, quote_submit

    deal = make_deal(org.rep)
    for discount in ("5", "15", "25"):
        quote_submit(
            quote=quote_create(
                deal=deal,
                by=org.rep,
                lines=[
                    {
                        "description": f"item {discount}",
                        "list_price": "1000",
                        "discount_pct": discount,
                    }
                ],
            ),
            by=org.rep,
        )
    client.force_login(org.rep)
    # Constant: the quote form's catalogue and concessions, the decision chain's people and
    # the company's contacts.
    # + the contract card, the evidence the discovery checklist reads, whom an activity is with,
    # the timeline (one read per kind of event)
    with django_assert_max_num_queries(34):
        page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert "item 25" in page
    for _ in range(3):
        quote_create(deal=deal, by=org.rep, lines=[{"description": "more", "list_price": "1"}])
    with django_assert_max_num_queries(34):  # the same with more quotes on the timeline
        client.get(f"/deals/{deal.pk}/")
