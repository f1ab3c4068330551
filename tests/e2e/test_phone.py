"""The pages a rep opens on the road, on a phone 390 px wide: the deal (its quote table
included), the lead, the company, the ticket and the board fit the screen's width (nothing
to scroll sideways but a wide table inside its own box), with the search box and the menu
at hand. Each page's screenshot is kept (SALESOP_SCREENSHOTS, else the test's own folder)."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from salesop.aftersales.tickets import ticket_open
from salesop.core.testing import (
    approved_quote,
    make_account,
    make_deal,
    make_lead,
    make_org,
)
from salesop.customers.services import contact_create
from tests.e2e.test_shell import log_in

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    return page


def overflow(page) -> list[str]:
    """The elements that stick out of the page's width (a table scrolling inside its own box
    does not): tag, classes and how far."""
    return page.evaluate(
        """() => {
        const width = document.documentElement.clientWidth;
        const out = [];
        for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.right <= width + 1) continue;
            let inside = el.parentElement, clipped = false;
            while (inside) {
                const o = getComputedStyle(inside).overflowX;
                if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
                inside = inside.parentElement;
            }
            const parent = el.parentElement && el.parentElement.getBoundingClientRect();
            if (parent && parent.right > width + 1) continue;  // its container is reported
            const by = Math.round(r.right - width);
            if (!clipped) out.push(`${el.tagName.toLowerCase()}.${el.className} +${by}px`);
        }
        return out.slice(0, 10);
    }"""
    )


def shot(page, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("SALESOP_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"phone-{name}.png"), full_page=True)
    page.screenshot(path=str(folder / f"phone-{name}-screen.png"))


def test_the_rep_s_pages_fit_a_phone(phone, transactional_db, tmp_path):
    org = make_org()
    account = make_account(org.rep, "上海云图教育科技股份有限公司", industry="教育")
    contact_create(
        account=account,
        by=org.rep,
        name="陈静",
        title="信息中心主任",
        phone="138 0013 8000",
        email="chen.jing@yuntu-education.example.cn",
    )
    deal = make_deal(
        org.rep, account, name="云图教育 智慧校园二期（含三年运维服务）", amount=Decimal(1280000)
    )
    approved_quote(deal, org.rep)
    lead = make_lead(org.rep, "杭州智造科技股份有限公司", contact_name="王经理")
    ticket = ticket_open(
        account=account,
        by=org.rep,
        channel="phone",
        severity="high",
        title="校园网统一身份认证登录异常，部分教师无法访问教务系统",
        description="客户反馈无法登录",
    )

    log_in(phone, "rep")
    pages = {
        "deal": f"/deals/{deal.pk}/",
        "lead": f"/leads/{lead.pk}/",
        "company": f"/customers/{account.pk}/",
        "ticket": f"/delivery/tickets/{ticket.pk}/",
        "board": "/deals/board/",
    }
    sticking_out = {}
    for name, url in pages.items():
        phone.goto(url)
        expect(phone.locator("h2.page-title")).to_be_visible()
        shot(phone, name, tmp_path)
        if found := overflow(phone):
            sticking_out[name] = found
    assert sticking_out == {}, sticking_out

    # The deal page's secondary cards start folded (it was 5,600 px long): its checklist
    # and next move first, the quote a tap away, its total on screen.
    phone.goto(pages["deal"])
    height = phone.evaluate("document.documentElement.scrollHeight")
    assert height < 3200, height
    quotes = phone.get_by_test_id("quotes")
    expect(quotes.get_by_test_id("quote-total").first).to_be_hidden()
    quotes.get_by_role("button", name="报价").click()
    expect(quotes.get_by_test_id("quote-total").first).to_be_in_viewport()
    expect(phone.locator(".stage-actions")).to_be_visible()

    # The menu folds into its button; the search box stays in the header.
    box = phone.get_by_role("searchbox", name="搜索客户公司、联系人、线索、商机、工单和合同")
    expect(box).to_be_visible()
    phone.get_by_role("button", name="菜单").click()
    expect(phone.get_by_test_id("nav-sales")).to_be_visible()
    assert phone.console_errors == []
