"""Products, their policies, and quotes from products through the API and the admin."""

import pytest

from salesop.core.testing import admin_login, make_deal, make_policy, make_product
from salesop.pricing.models import Approval, Quote

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(f"/api/v1{url}", body or {}, content_type="application/json")


def test_products_and_their_policy(client, org, django_assert_num_queries):
    wms = make_product()
    make_product("TRAIN", "培训 training day", family="services", list_price="8000")
    make_product("OLD", "旧版 legacy", family="wms", active=False)
    make_policy(family="wms")
    client.force_login(org.rep)
    with django_assert_num_queries(4):  # session, user, the caller's rate window, products
        listed = client.get("/api/v1/products").json()
    assert [p["code"] for p in listed] == ["TRAIN", "WMS-LIC"]
    assert [p["code"] for p in client.get("/api/v1/products?family=wms").json()] == ["WMS-LIC"]
    detail = client.get(f"/api/v1/products/{wms.pk}").json()
    assert detail["list_price"] == "100000.00"
    assert detail["policy"]["family"] == "wms"
    assert detail["policy"]["max_discount_director"] == "35.00"
    assert {c["key"] for c in detail["policy"]["concessions"]} == {"training", "onsite"}
    old = client.get(f"/api/v1/products/{wms.pk + 2}")
    assert old.status_code == 404
    client.logout()
    assert client.get("/api/v1/products").status_code == 401


def test_quote_from_products_revise_and_send_through_the_api(client, org):
    wms = make_product()
    make_policy(family="wms")
    deal = make_deal(org.rep)
    client.force_login(org.rep)
    below_floor = post(
        client,
        f"/deals/{deal.pk}/quotes",
        {"lines": [{"product_id": wms.pk}, {"product_id": wms.pk, "discount_pct": "45"}]},
    )
    assert below_floor.status_code == 422
    body = below_floor.json()
    assert body["code"] == "beyond_policy"
    assert body["errors"][0]["loc"] == ["body", "lines[1].discount_pct"]
    assert not Quote.objects.exists()
    created = post(
        client,
        f"/deals/{deal.pk}/quotes",
        {
            "lines": [{"product_id": wms.pk, "quantity": 2, "discount_pct": "15"}],
            "payment_term_days": 90,
            "concessions": ["training"],
        },
    )
    assert created.status_code == 201, created.content
    quote = created.json()
    assert (quote["number"], quote["revision"], quote["total"]) == (1, 1, "170000.00")
    assert quote["concessions"][0]["label_zh"] == "免费培训"
    submitted = post(client, f"/quotes/{quote['id']}/submit").json()
    assert sorted(a["role"] for a in submitted["approvals"]) == ["finance", "manager", "manager"]
    assert post(client, f"/quotes/{quote['id']}/send").status_code == 422
    revised = post(
        client,
        f"/quotes/{quote['id']}/revise",
        {"lines": [{"product_id": wms.pk, "quantity": 2, "discount_pct": "8"}]},
    )
    assert revised.status_code == 201, revised.content
    assert (revised.json()["revision"], revised.json()["status"]) == (2, "approved")
    assert (
        post(client, f"/quotes/{quote['id']}/revise", {"lines": [{"product_id": wms.pk}]}).json()[
            "code"
        ]
        == "superseded"
    )
    sent = post(client, f"/quotes/{revised.json()['id']}/send")
    assert sent.status_code == 200 and sent.json()["sent_at"]
    quotes = client.get(f"/api/v1/deals/{deal.pk}/quotes").json()
    assert [(q["revision"], q["status"]) for q in quotes] == [(2, "approved"), (1, "superseded")]
    assert {a["status"] for a in quotes[1]["approvals"]} == {"void"}
    client.force_login(org.manager)
    void = client.get("/api/v1/approvals?status=void").json()
    assert len(void) == 2 and all(a["voided_at"] for a in void)
    assert post(client, f"/approvals/{void[0]['id']}/decide", {"approve": True}).status_code == 422


def test_quotes_list_query_count_does_not_grow(client, org, django_assert_num_queries):
    wms = make_product()
    make_policy(family="wms")
    deal = make_deal(org.rep)
    client.force_login(org.rep)

    def add(n):
        for _ in range(n):
            post(
                client,
                f"/deals/{deal.pk}/quotes",
                {
                    "lines": [
                        {"product_id": wms.pk, "discount_pct": "15"},
                        {"description": "x", "list_price": "1"},
                    ]
                },
            )

    add(1)
    # session, user, the caller's rate window, deal, quotes, lines (with products), approvals
    with django_assert_num_queries(8):
        assert len(client.get(f"/api/v1/deals/{deal.pk}/quotes").json()) == 1
    add(4)
    with django_assert_num_queries(8):
        assert len(client.get(f"/api/v1/deals/{deal.pk}/quotes").json()) == 5


def test_sales_ops_keep_products_and_policies_in_the_admin(client, org):
    client.force_login(org.rep)
    assert client.get("/admin/pricing/product/").status_code == 302  # to the admin's login
    admin_login(client, org.ops)
    added = client.post(
        "/admin/pricing/product/add/",
        {
            "code": "WMS-LIC",
            "name": "WMS 仓储管理系统 licence",
            "family": "wms",
            "list_price": "100000",
            "currency": "CNY",
            "active": "on",
        },
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    policy_form = {
        "product": "",
        "family": "wms",
        "floor_price": "120000",
        "max_discount_rep": "10",
        "max_discount_manager": "20",
        "max_discount_director": "35",
        "max_payment_term_days": "60",
        "hard_payment_term_days": "120",
        "concessions-TOTAL_FORMS": "1",
        "concessions-INITIAL_FORMS": "0",
        "concessions-0-key": "training",
        "concessions-0-label_zh": "免费培训",
        "concessions-0-label_en": "Free training",
        "concessions-0-needs_approval": "on",
    }
    refused = client.post("/admin/pricing/pricepolicy/add/", policy_form)
    assert refused.status_code == 200 and "WMS-LIC" in refused.content.decode()
    saved = client.post("/admin/pricing/pricepolicy/add/", {**policy_form, "floor_price": "60000"})
    assert saved.status_code == 302
    assert client.get("/admin/pricing/quote/").status_code == 200
    assert client.get("/admin/pricing/quote/add/").status_code == 403
    assert not Approval.objects.exists()
