"""The quote card (deal page) and the approval inbox: the same services as the API."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from salesop.core.testing import make_deal, make_policy, make_product, timeline_of
from salesop.pricing.models import Quote
from salesop.pricing.selectors import quotes_context
from salesop.pricing.services import approval_decide, quote_propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def wms(org):
    product = make_product()
    make_policy(family="wms")
    return product


def new_quote_form(product_id="", **fields):
    return {
        "product": str(product_id),
        "description": "",
        "list_price": "",
        "quantity": "1",
        "discount_pct": "0",
        "payment_term_days": "30",
        "currency": "CNY",
        **fields,
    }


def more_lines(*lines):
    data = {"more-TOTAL_FORMS": "2", "more-INITIAL_FORMS": "0"}
    for i, line in enumerate(lines):
        data.update({f"more-{i}-{k}": v for k, v in line.items()})
    return data


def test_a_quote_from_the_page_with_a_product_more_lines_and_concessions(client, org, wms):
    deal = make_deal(org.rep)
    client.force_login(org.rep)
    response = client.post(
        f"/approvals/deal/{deal.pk}/quote/",
        {
            **new_quote_form(wms.pk, quantity="2", discount_pct="15", concessions=["training"]),
            **more_lines({"description": "差旅 travel", "list_price": "3000", "quantity": "1"}),
        },
    )
    assert response.status_code == 302
    quote = Quote.objects.get()
    assert [line.description for line in quote.lines.all()] == [
        "WMS 仓储管理系统 licence",
        "差旅 travel",
    ]
    assert quote.status == "pending" and quote.concessions[0]["key"] == "training"
    assert sorted(quote.approvals.values_list("role", flat=True)) == ["manager", "manager"]
    with translation.override("en"):
        asked = sorted(a.what() for a in quote.approvals.select_related("line"))
    assert "discount 15% (WMS 仓储管理系统 licence)" in asked, asked
    # the deal page names the concession asked for, on the quote card and the timeline
    page = client.get(f"/deals/{deal.pk}/").content.decode() + timeline_of(client, deal)
    labels = quote.concessions[0]
    assert page.count(f"“{labels['label_zh']}”") + page.count(f"“{labels['label_en']}”") >= 2


def test_a_refusal_on_the_page_says_why_and_writes_nothing(client, org, wms):
    deal = make_deal(org.rep)
    client.force_login(org.rep)
    with translation.override("en"):
        page = client.post(
            f"/approvals/deal/{deal.pk}/quote/",
            new_quote_form(wms.pk, discount_pct="45"),
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        ).content.decode()
    assert "below the floor" in page
    assert not Quote.objects.exists()


def test_revise_and_send_from_the_quote_card(client, org, wms):
    deal = make_deal(org.rep)
    quote = quote_propose(
        deal=deal, by=org.rep, lines=[{"product_id": wms.pk, "discount_pct": "15"}]
    )
    client.force_login(org.rep)
    p = f"rev{quote.pk}"
    form = client.get(f"/approvals/quote/{quote.pk}/revise/", HTTP_HX_REQUEST="true")
    assert f'name="{p}-lines-0-discount_pct"' in form.content.decode()
    assert "<html" not in form.content.decode()  # a fragment for the card
    assert "<html" in client.get(f"/approvals/quote/{quote.pk}/revise/").content.decode()
    client.post(
        f"/approvals/quote/{quote.pk}/revise/",
        {
            f"{p}-payment_term_days": "30",
            f"{p}-lines-TOTAL_FORMS": "1",
            f"{p}-lines-INITIAL_FORMS": "1",
            f"{p}-lines-0-product": str(wms.pk),
            f"{p}-lines-0-quantity": "3",
            f"{p}-lines-0-discount_pct": "10",
        },
    )
    quote.refresh_from_db()
    revised = Quote.objects.get(revision=2)
    assert quote.status == "superseded" and revised.status == "approved"
    assert revised.lines.get().quantity == 3
    client.post(f"/approvals/quote/{quote.pk}/send/")
    quote.refresh_from_db()
    assert quote.sent_at is None  # superseded: not sendable
    client.post(f"/approvals/quote/{revised.pk}/send/")
    revised.refresh_from_db()
    assert revised.sent_at is not None
    client.force_login(org.outsider)
    assert client.post(f"/approvals/quote/{revised.pk}/send/").status_code == 404


def test_the_quote_card_shows_revisions_totals_and_approvals(org, wms, django_assert_num_queries):
    deal = make_deal(org.rep)
    for discount in ("5", "15", "25"):
        quote = quote_propose(
            deal=deal,
            by=org.rep,
            lines=[
                {"product_id": wms.pk, "discount_pct": discount},
                {"description": f"item {discount}", "list_price": "1000"},
            ],
            concessions=["onsite"],
        )
    approval_decide(approval=quote.approvals.get(), by=org.director, approve=True, comment="战略")
    request = RequestFactory().get("/")
    request.user = org.rep

    def card():
        org.rep.__dict__.pop("roles", None)  # as on a fresh request
        return render_to_string(
            "pricing/_partials/quotes.html",
            {**quotes_context(deal), "deal": deal},
            request=request,
        )

    # quotes, lines (with products), approvals (with lines, deciders); the site's context
    # processors: the user's roles, unread notifications. The new quote form (products,
    # concessions) loads when opened once the deal has quotes.
    with django_assert_num_queries(5):
        html = card()
    assert "Q3-R1" in html and "Q1-R1" in html and "¥76,000.00" in html  # 75,000 + 1,000
    assert "战略" in html and "陈静" in html
    assert "驻场支持" in html or "On-site support" in html
    assert "/revise/" in html and "/send/" in html  # the revise form loads when opened
    for _ in range(3):
        quote_propose(deal=deal, by=org.rep, lines=[{"product_id": wms.pk, "discount_pct": "15"}])
    with django_assert_num_queries(5):
        card()


def test_the_approval_inbox_says_what_and_why(client, org, wms, django_assert_num_queries):
    deal = make_deal(org.rep)
    quote_propose(
        deal=deal,
        by=org.rep,
        lines=[
            {"product_id": wms.pk, "discount_pct": "5"},
            {"product_id": wms.pk, "discount_pct": "30"},
        ],
        payment_term_days=90,
    )
    client.force_login(org.director)
    with translation.override("en"):
        page = client.get("/approvals/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "¥100,000.00" in page and "¥70,000.00" in page and "¥60,000.00" in page
    assert "beyond the 20% allowed without this approval by the product&#x27;s price policy" in page
    assert "90 days" not in page  # finance's, not the director's
    client.force_login(org.finance)
    page = client.get("/approvals/").content.decode()
    assert "仓储系统升级" in page
    with django_assert_num_queries(5):
        client.get("/approvals/")
    for _ in range(4):
        quote_propose(
            deal=deal,
            by=org.rep,
            lines=[{"product_id": wms.pk, "discount_pct": "5"}],
            payment_term_days=100,
        )
    with django_assert_num_queries(5):
        assert client.get("/approvals/").content.decode().count("approval-reason") == 5


def test_picking_a_product_fills_in_its_list_price(client, org, wms):
    client.force_login(org.rep)
    filled = client.get(
        "/approvals/products/price/", {"more-1-product": wms.pk, "field": "more-1-list_price"}
    ).content.decode()
    assert 'name="more-1-list_price"' in filled and 'value="100000.00"' in filled
    free = client.get("/approvals/products/price/", {"product": "", "field": "list_price"})
    assert 'value=""' in free.content.decode()
    assert client.get("/approvals/products/price/", {"field": "<x>"}).status_code == 400
    form = quotes_context(make_deal(org.rep))["quote_form"]
    assert 'hx-target="#id_list_price"' in str(form["product"])


def test_the_new_quote_form_is_on_a_fresh_deal_and_opens_on_demand_once_quotes_exist(
    client, org, wms
):
    deal = make_deal(org.rep)
    client.force_login(org.rep)
    form = f'action="/approvals/deal/{deal.pk}/quote/"'
    assert form in client.get(f"/deals/{deal.pk}/").content.decode()
    quote_propose(deal=deal, by=org.rep, lines=[{"product_id": wms.pk, "discount_pct": "5"}])
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert form not in page and 'data-testid="new-quote"' in page
    opened = client.get(f"/approvals/deal/{deal.pk}/quote/", HTTP_HX_REQUEST="true")
    assert form in opened.content.decode() and "<html" not in opened.content.decode()
    assert "<html" in client.get(f"/approvals/deal/{deal.pk}/quote/").content.decode()
    client.force_login(org.outsider)
    assert client.get(f"/approvals/deal/{deal.pk}/quote/").status_code == 404
