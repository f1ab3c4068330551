"""A rep runs SOP parts 2 to 4 on one deal in the browser: prepares, records needs, has the recap
confirmed, names the decision maker, builds and presents a proposal, quotes beyond their limit,
the manager approves, and the deal moves on to contracting."""

import re
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from salesop.core.testing import make_account, make_deal, make_org, make_policy
from salesop.customers.models import Contact
from salesop.deals.discovery import services as discovery
from salesop.deals.models import Deal, Need, RecapStatus
from tests.e2e.test_shell import log_in


def zh(context: str | None, text: str) -> str:
    with translation.override("zh-hans"):
        return pgettext(context, text) if context else gettext(text)


def tick_all(page) -> None:
    """Ticks the boxes a person ticks; the items the deal's records tick are not clickable."""
    boxes = page.get_by_test_id("stage-panel").get_by_role("checkbox")
    for i in range(boxes.count()):
        if boxes.nth(i).is_checked() or boxes.nth(i).is_disabled():
            continue
        with page.expect_response(lambda r: "/checklist/" in r.url):
            boxes.nth(i).check()
        expect(page.get_by_test_id("stage-panel").get_by_role("checkbox").nth(i)).to_be_checked()


def move(page, stage_label: str) -> None:
    button = page.get_by_role("button", name=f"移至 {stage_label}")
    expect(button).to_be_enabled()
    button.click()
    expect(page.get_by_test_id("deal-stage")).to_have_text(stage_label)


def test_discovery_to_contracting(page, transactional_db):
    org = make_org()
    account = make_account(org.rep, "上海云仓物流有限公司", industry="物流")
    deal = make_deal(org.rep, account=account, name="WMS 智能仓储升级", amount=Decimal(480000))
    Deal.objects.filter(pk=deal.pk).update(expected_close_date="2027-01-31")
    make_policy(family="wms")  # its concessions are offered on every quote form
    Contact.objects.create(account=account, name="王经理", title="IT 经理")  # reached by WeChat
    discovery.question_create(
        by=org.ops, text="旺季订单激增时,仓库最容易在哪个环节出问题?", layer="deep", industry="物流"
    )
    log_in(page, "rep")

    # Discovery: prep brief, call plan, needs, keywords, recap confirmed by the customer.
    page.goto(f"/deals/{deal.pk}/discovery/")
    prep = page.get_by_test_id("prep-brief")
    prep.locator("[name=industry_news]").fill("电商旺季单量同比增长 35%")
    prep.locator("[name=competitor_moves]").fill("竞品 A 降价 15%")
    prep.locator("button[type=submit]").click()
    expect(page.get_by_test_id("prep-brief").locator("[name=industry_news]")).to_have_value(
        "电商旺季单量同比增长 35%"
    )
    plan = page.get_by_test_id("call-plan")
    plan.get_by_label("旺季订单激增时,仓库最容易在哪个环节出问题?").check()
    plan.locator("form button[type=submit]").last.click()
    expect(page.get_by_test_id("call-plan").locator(".list-group-item").first).to_contain_text(
        "旺季订单激增时"
    )

    form = page.get_by_test_id("need-form")
    form.locator("[name=kind]").select_option("hidden_pain")
    form.locator("[name=summary]").fill("旺季发货错漏导致客户投诉")
    form.locator("[name=customer_words]").fill("一到双十一就乱,错发漏发,客户投诉不断")
    form.locator("button[type=submit]").click()
    form = page.get_by_test_id("need-form")
    form.locator("[name=kind]").select_option("budget")
    form.locator("[name=budget_min]").fill("400000")
    form.locator("[name=budget_max]").fill("500000")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("need")).to_have_count(2)

    page.get_by_test_id("keywords").locator(".card-actions button").click()
    expect(page.get_by_test_id("keyword").first).to_be_visible()

    recap = page.get_by_test_id("recap")
    recap.locator("form[action$='/recap/generate/'] button").click()
    text = page.get_by_test_id("recap").locator("[name=recap_text]")
    expect(text).to_have_value(re.compile(r"^您的意思是"))
    expect(text).to_have_value(re.compile("旺季发货错漏导致客户投诉"))
    # The rep sends the customer a one-time link; the customer confirms it in their words.
    page.get_by_test_id("recap").locator("[name=contact]").select_option(label="王经理")
    page.get_by_test_id("recap-send").click()
    flash = page.locator(".alert-success", has_text="/support/recap/")
    link = re.search(r"/support/recap/[\w-]+/", flash.inner_text()).group(0)
    customer = page.context.browser.new_context(base_url=page.url.split("/deals")[0])
    their_page = customer.new_page()
    their_page.goto(link)
    expect(their_page.get_by_test_id("recap-text")).to_contain_text("旺季发货错漏导致客户投诉")
    their_page.locator("[name=words]").fill("对,就是这些")
    their_page.get_by_test_id("recap-confirm").click()
    expect(their_page.get_by_test_id("recap-thanks")).to_be_visible()
    their_page.goto(link)  # once only
    expect(their_page.get_by_test_id("recap-closed")).to_be_visible()
    customer.close()
    page.reload()
    expect(page.get_by_test_id("recap-status")).to_have_text(
        zh("recap", "Confirmed by the customer")
    )
    assert Deal.objects.get(pk=deal.pk).discovery.recap_status == RecapStatus.CONFIRMED

    page.goto(f"/deals/{deal.pk}/")
    tick_all(page)
    move(page, "方案呈现")

    # Solution: the decision maker joins the decision chain, with what to stress for the role.
    chain = page.get_by_test_id("stakeholder-form")
    chain.locator("[name=new_contact_name]").fill("周总")
    chain.locator("[name=new_contact_title]").fill("总经理")
    chain.locator("[name=role]").select_option("decision_maker")
    chain.locator("[name=attitude]").select_option("supporter")
    chain.locator("button[type=submit]").click()
    decision_maker = page.get_by_test_id("role-decision_maker")
    expect(decision_maker).to_contain_text("周总")
    expect(decision_maker).to_contain_text("ROI")

    # The proposal: pain, solution, quantified value (linked to the need), ROI, presented.
    page.get_by_test_id("proposals-link").click()
    page.locator("form[action$='/proposals/new/'] button[type=submit]").click()
    rows = page.get_by_test_id("value-rows")
    pain = Need.objects.get(deal=deal, kind="hidden_pain")
    rows.locator("[name=need]").select_option(value=str(pain.pk))
    rows.locator("[name=pain]").fill("旺季发货错漏导致客户投诉")
    rows.locator("[name=solution]").fill("扫码复核与波次拣货")
    rows.locator("[name=value]").fill("错发率下降 80%,每年减少赔付 36 万元")
    rows.locator("[name=amount]").fill("360000")
    rows.locator("button[type=submit]").last.click()
    expect(page.get_by_test_id("value-rows")).to_contain_text("每年减少赔付 36 万元")
    roi = page.get_by_test_id("roi")
    roi.locator("[name=investment]").fill("480000")
    roi.locator("[name=benefit_label_0]").fill("减少赔付")
    roi.locator("[name=benefit_amount_0]").fill("360000")
    roi.locator("button[type=submit]").click()
    expect(page.get_by_test_id("roi-figures")).to_contain_text("16")  # payback in months
    present = page.get_by_test_id("present")
    present.locator("[name=duration_minutes]").fill("75")
    present.locator("button[type=submit]").click()
    expect(page.get_by_test_id("proposal-status")).to_contain_text(zh("proposal", "Delivered"))
    page.goto(f"/deals/{deal.pk}/")

    # The demo of the customer's scenario, logged, ticks its checklist item.
    expect(
        page.get_by_test_id("evidence-scenario_demo").get_by_role("checkbox")
    ).not_to_be_checked()
    panel = page.get_by_test_id("activity-panel")
    panel.locator("[name=kind]").select_option("demo")
    panel.locator("[name=subject]").fill("仓库现场演示扫码复核")
    panel.locator("[name=outcome]").select_option("positive")
    panel.get_by_role("button", name=zh(None, "Log activity")).click()
    expect(page.get_by_test_id("activity-panel")).to_contain_text("仓库现场演示扫码复核")
    page.reload()
    expect(page.get_by_test_id("evidence-scenario_demo").get_by_role("checkbox")).to_be_checked()
    tick_all(page)
    move(page, "谈判")

    # Negotiation: meet the decision maker; quote 15 % off, beyond a rep's 10 %.
    page.get_by_test_id("role-decision_maker").locator("form[action$='/engaged/'] button").click()
    expect(page.get_by_test_id("role-decision_maker")).not_to_contain_text(
        zh(None, "not engaged yet")
    )
    quotes = page.get_by_test_id("quotes")
    quotes.locator("[name=description]").first.fill("WMS 许可")
    quotes.locator("[name=list_price]").first.fill("480000")
    quotes.locator("[name=discount_pct]").first.fill("15")
    # A concession is offered with its box, which sits inside the card, its label on one line.
    quotes.get_by_label("驻场支持").check()
    card, label = quotes.bounding_box(), quotes.get_by_text("驻场支持").bounding_box()
    assert label["x"] + label["width"] <= card["x"] + card["width"]
    assert label["height"] < 2 * 24, label  # not one character per line
    quotes.get_by_label("驻场支持").uncheck()  # no line's price policy allows it here
    quotes.get_by_role("button", name=zh(None, "Submit quote")).click()
    expect(page.get_by_test_id("quotes").locator(".badge").first).to_have_text(
        zh(None, "Waiting for approval")
    )
    tick_all(page)
    expect(page.get_by_test_id("gate-contracting")).to_contain_text(
        zh(None, "get the quote approved (discount or payment term beyond the policy)")
    )

    # The manager hears of it in their inbox and approves from the link, seeing what they
    # approve.
    page.context.clear_cookies()
    log_in(page, "manager")
    page.goto("/alerts/inbox/")
    page.get_by_role("link", name=re.compile("请您审批")).click()
    expect(page.get_by_test_id("approval-quote")).to_contain_text("WMS 许可")
    expect(page.get_by_test_id("approval-deal")).to_contain_text("上海云仓物流有限公司")
    page.locator("[name=comment]").first.fill("战略客户,同意 15%")
    page.locator("button[value=approve]").first.click()
    expect(page.locator("body")).to_contain_text(zh(None, "Approved."))

    # ... and the rep hears back, and goes on from the link.
    page.context.clear_cookies()
    log_in(page, "rep")
    page.goto("/alerts/inbox/")
    page.get_by_role("link", name=re.compile("已批准")).click()
    expect(page.get_by_test_id("deal-stage")).to_have_text("谈判")
    move(page, "签约")
    assert Deal.objects.get(pk=deal.pk).stage == "contracting"
    assert page.console_errors == []
