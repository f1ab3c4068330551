"""The whole SOP by the people who run it, in the browser. Each person starts from their home
page and goes where its "your turn" list or the page in front of them leads: no typed address.
Sales ops takes the lead in and hands it over; the rep contacts, qualifies and converts it,
prepares the discovery, and the customer confirms the recap through the link sent to them;
the manager and finance approve the quote from their home pages; legal clears the contract;
the rep signs it; the project manager finds the project and reads the signed contract; customer
success finds the customer's low score, and the rep reads the customer's whole story on one page.
No box the deal's records tick is ticked by hand."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from salesop.accounts.models import Role
from salesop.aftersales.surveys import survey_send
from salesop.core.testing import (
    SIGNED_PDF,
    make_channel,
    make_org,
    make_policy,
    make_template,
    make_user,
)
from salesop.deals.discovery import services as discovery
from salesop.deals.models import Deal, RecapStatus
from tests.e2e.test_deal_execution import move, tick_all
from tests.e2e.test_shell import log_in

COMPANY = "苏州精工智能装备有限公司"
IP_EDIT = "为甲方定制开发部分的知识产权归甲方所有,其余软件及文档的知识产权归乙方所有。"


def as_(page, username: str) -> None:
    """Signs in as `username`, on their home page."""
    page.context.clear_cookies()
    log_in(page, username)
    expect(page.get_by_test_id("queue-handoffs")).to_be_visible()


def my_turn(page, words: str) -> None:
    """Opens the hand-off on the home page that names `words`."""
    page.get_by_test_id("queue-handoffs").get_by_role("link", name=re.compile(words)).first.click()


def story(page: Page):
    """The record's timeline: its card loads it when scrolled into view, as a reader does."""
    page.get_by_test_id("timeline-card").scroll_into_view_if_needed()
    return page.get_by_test_id("timeline")


def test_seven_people_run_the_sop_from_their_home_pages(page, transactional_db, tmp_path):
    org = make_org()
    make_user("pm", team=org.sales, roles=(Role.PROJECT_MANAGER,), full_name="孙工")
    make_user("csm", team=org.sales, roles=(Role.CUSTOMER_SUCCESS,), full_name="周敏")
    make_channel(name="官网表单")
    make_template(org.ops)
    make_policy(family="wms")
    discovery.question_create(
        by=org.ops, text="旺季时哪个环节最容易出错?", layer="deep", industry="制造业"
    )

    # Sales ops enter the lead from a trade-show card and hand it to the rep.
    as_(page, "ops")
    page.get_by_test_id("nav-sales").get_by_role("button", name="销售").click()
    page.get_by_test_id("nav-sales").get_by_role("link", name="线索", exact=True).click()
    page.get_by_role("link", name="新建线索").click()
    form = page.locator("form[method=post]").last
    form.locator("[name=channel]").select_option(label="官网表单")
    form.locator("[name=company_name]").fill(COMPANY)
    form.locator("[name=contact_name]").fill("钱经理")
    form.locator("[name=phone]").fill("13912345678")
    form.locator("[name=industry]").fill("制造业")
    form.locator("button[type=submit]").click()
    page.locator("form[action$='/assign/'] [name=owner]").select_option(label="张伟")
    page.locator("form[action$='/assign/'] button[type=submit]").click()

    # The rep finds it on their home page, calls, qualifies and converts it.
    as_(page, "rep")
    my_turn(page, COMPANY)
    panel = page.get_by_test_id("activity-panel")
    panel.locator("[name=kind]").select_option("call")
    panel.locator("[name=subject]").fill("首次电话:确认仓储痛点")
    panel.locator("[name=outcome]").select_option("positive")
    panel.get_by_role("button", name="记录活动").click()
    qualify = page.locator("form[action$='/qualify/']")
    expect(qualify.locator("button[type=submit]")).to_be_enabled()  # the page reloaded
    for name, value in (
        ("budget", "confirmed"),
        ("authority", "decision_maker"),
        ("need", "urgent_pain"),
        ("timeline", "within_3m"),
    ):
        qualify.locator(f"[name=bant_{name}]").select_option(value)
    qualify.locator("button[type=submit]").click()
    convert = page.locator("form[action$='/convert/']")
    convert.locator("[name=deal_name]").fill("智能仓储一期")
    convert.locator("[name=amount]").fill("480000")
    close = (timezone.localdate() + timedelta(days=60)).isoformat()
    convert.locator("[name=expected_close_date]").fill(close)
    convert.locator("button[type=submit]").click()
    expect(page.get_by_test_id("deal-stage")).to_have_text("需求挖掘")
    deal = Deal.objects.get(name="智能仓储一期")
    # the lead's first call is the deal's history too
    expect(story(page)).to_contain_text("首次电话:确认仓储痛点")

    # Discovery, reached from the gate's own link: prep, questions, needs, the recap.
    page.get_by_test_id("gate-solution").get_by_role(
        "link", name="打开需求挖掘工作台"
    ).first.click()
    prep = page.get_by_test_id("prep-brief")
    prep.locator("[name=industry_news]").fill("长三角制造业自动化改造补贴加码")
    prep.locator("[name=competitor_moves]").fill("竞品 B 推出低价版")
    prep.locator("button[type=submit]").click()
    plan = page.get_by_test_id("call-plan")
    plan.get_by_role("checkbox").first.check()
    plan.locator("form button[type=submit]").last.click()
    expect(page.get_by_test_id("call-plan").locator(".list-group-item").first).to_be_visible()
    for kind, summary in (("feature", "扫码复核"), ("hidden_pain", "旺季错发导致客户投诉")):
        form = page.get_by_test_id("need-form")
        form.locator("[name=kind]").select_option(kind)
        form.locator("[name=summary]").fill(summary)
        form.locator("[name=customer_words]").fill("客户原话:" + summary)
        form.locator("button[type=submit]").click()
        expect(page.get_by_test_id("needs")).to_contain_text(summary)
    expect(page.get_by_test_id("need")).to_have_count(2)
    page.get_by_test_id("recap").locator("form[action$='/recap/generate/'] button").click()
    expect(page.get_by_test_id("recap").locator("[name=recap_text]")).to_have_value(
        re.compile("旺季错发导致客户投诉")
    )
    page.get_by_test_id("recap").locator("[name=contact]").select_option(label="钱经理")
    page.get_by_test_id("recap-send").click()
    flash = page.locator(".alert-success", has_text="/support/recap/")
    link = re.search(r"/support/recap/[\w-]+/", flash.inner_text()).group(0)

    # The customer confirms it in their own words, through the link.
    customer = page.context.browser.new_context(base_url=page.url.split("/deals")[0])
    their_page = customer.new_page()
    their_page.goto(link)
    their_page.locator("[name=words]").fill("理解正确")
    their_page.get_by_test_id("recap-confirm").click()
    expect(their_page.get_by_test_id("recap-thanks")).to_be_visible()
    customer.close()

    # The rep hears of it on the home page and goes on from there.
    as_(page, "rep")
    my_turn(page, "智能仓储一期")
    expect(page.get_by_test_id("recap-status")).to_have_text("客户已确认")
    assert Deal.objects.get(pk=deal.pk).discovery.recap_status == RecapStatus.CONFIRMED
    page.get_by_role("link", name="智能仓储一期").first.click()
    tick_all(page)
    move(page, "方案呈现")

    # Solution: the decision maker named; the proposal's value written and presented; the
    # demo logged ticks its item.
    chain = page.get_by_test_id("stakeholder-form")
    chain.locator("[name=new_contact_name]").fill("吴总")
    chain.locator("[name=new_contact_title]").fill("总经理")
    chain.locator("[name=role]").select_option("decision_maker")
    chain.locator("[name=attitude]").select_option("supporter")
    chain.locator("button[type=submit]").click()
    expect(page.get_by_test_id("role-decision_maker")).to_contain_text("吴总")
    page.get_by_test_id("gate-negotiation").get_by_role("link", name="打开方案").first.click()
    page.locator("form[action$='/proposals/new/'] button[type=submit]").click()
    rows = page.get_by_test_id("value-rows")
    rows.locator("[name=pain]").fill("旺季错发导致客户投诉")
    rows.locator("[name=solution]").fill("扫码复核与波次拣货")
    rows.locator("[name=value]").fill("错发率下降 80%")
    rows.locator("[name=amount]").fill("360000")
    rows.locator("button[type=submit]").last.click()
    expect(page.get_by_test_id("value-rows")).to_contain_text("错发率下降 80%")
    present = page.get_by_test_id("present")
    present.locator("[name=duration_minutes]").fill("60")
    present.locator("button[type=submit]").click()
    expect(page.get_by_test_id("proposal-status")).to_contain_text("已呈现")
    page.get_by_role("link", name="智能仓储一期").first.click()
    panel = page.get_by_test_id("activity-panel")
    panel.locator("[name=kind]").select_option("demo")
    panel.locator("[name=subject]").fill("产线仓库现场演示")
    panel.locator("[name=outcome]").select_option("positive")
    panel.get_by_role("button", name="记录活动").click()
    expect(page.get_by_test_id("activity-panel")).to_contain_text("产线仓库现场演示")
    page.reload()
    expect(page.get_by_test_id("evidence-scenario_demo").get_by_role("checkbox")).to_be_checked()
    tick_all(page)
    move(page, "谈判")

    # Negotiation: the decision maker met; a quote at 25 % off on 45 days, beyond what the
    # rep and the manager may give alone: the manager (term) and finance (discount) decide.
    page.get_by_test_id("role-decision_maker").locator("form[action$='/engaged/'] button").click()
    quotes = page.get_by_test_id("quotes")
    quotes.locator("[name=description]").first.fill("WMS 许可")
    quotes.locator("[name=list_price]").first.fill("480000")
    quotes.locator("[name=discount_pct]").first.fill("25")
    quotes.locator("[name=payment_term_days]").fill("45")
    quotes.get_by_role("button", name="提交报价").click()
    expect(page.get_by_test_id("quotes").locator(".badge").first).to_have_text("待审批")
    tick_all(page)
    for approver in ("manager", "finance"):
        as_(page, approver)
        my_turn(page, "智能仓储一期")
        expect(page.get_by_test_id("approval-deal")).to_contain_text(COMPANY)
        decide = page.locator("button[value=approve]")
        expect(decide.first).to_be_visible()
        while decide.count():  # each approval of theirs on the quote
            decide.first.click()
            expect(page.locator("body")).to_contain_text("已批准")

    # The rep hears the quote is approved and goes on from there.
    as_(page, "rep")
    my_turn(page, "智能仓储一期")
    move(page, "签约")

    # Contracting: the rep rewords the IP clause, so the contract goes to legal.
    page.get_by_test_id("make-contract").click()
    page.get_by_test_id("clause-ip").locator("textarea").fill(IP_EDIT)
    page.get_by_test_id("save-clauses").click()
    expect(page.get_by_test_id("clause-ip").get_by_test_id("needs-review")).to_be_visible()
    page.get_by_test_id("submit-contract").click()
    expect(page.get_by_test_id("contract-status")).to_have_text("法务审核中")

    as_(page, "legal")
    my_turn(page, "智能仓储一期")
    page.get_by_test_id("review-ip").get_by_label("接受").check()
    page.get_by_test_id("review-approve").click()
    expect(page.get_by_test_id("review-queue")).to_be_visible()  # back to what else waits

    # The rep hears it is cleared, agrees the date, prepares, sends and records the signature.
    as_(page, "rep")
    my_turn(page, "智能仓储一期")
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    page.get_by_test_id("target-date").fill(day)
    page.get_by_test_id("save-date").click()
    for document in page.get_by_test_id("signing").locator("[data-testid^=document-]").all():
        document.get_by_role("button").click()
        expect(document.get_by_role("button")).to_have_text("✓")
    page.get_by_test_id("send-contract").click()
    expect(page.get_by_test_id("contract-status")).to_have_text("已发出待签")
    scan = tmp_path / "盖章合同.pdf"
    scan.write_bytes(SIGNED_PDF)
    page.get_by_test_id("sign-form").locator("[name=file]").set_input_files(str(scan))
    page.get_by_test_id("sign-contract").click()
    expect(page.get_by_test_id("contract-status")).to_have_text("已签约")
    assert Deal.objects.get(pk=deal.pk).status == "won"

    # The project manager finds the new project at home and reads the signed contract.
    as_(page, "pm")
    my_turn(page, "智能仓储一期")
    expect(page.get_by_test_id("project-team")).to_contain_text("孙工")
    page.get_by_test_id("project-contract").click()
    expect(page.get_by_test_id("contract-status")).to_have_text("已签约")
    expect(page.get_by_test_id("clause-ip")).to_contain_text("为甲方定制开发部分")

    # The customer answers a survey badly; customer success hears of it at home and finds the
    # whole story on the company's page.
    project = deal.project
    _, token = survey_send(by=project.owner, trigger="milestone", project=project)
    customer = page.context.browser.new_context(base_url=page.url.split("/contracts")[0])
    their_page = customer.new_page()
    their_page.goto(f"/support/survey/{token}/")
    their_page.locator("[name=nps][value='3']").check()
    their_page.locator("[name=csat][value='2']").check()
    their_page.locator("[name=comment]").fill("上线延期两周")
    their_page.get_by_test_id("survey-submit").click()
    expect(their_page.get_by_test_id("survey-thanks")).to_be_visible()
    customer.close()
    as_(page, "csm")
    my_turn(page, COMPANY)
    timeline = story(page)
    for words in ("上线延期两周", "交付项目已启动", "合同已签署"):
        expect(timeline).to_contain_text(words)
    expect(timeline).not_to_contain_text("首次电话")  # the sales conversations stay sales's
    # The rep, who owns the customer, is told too, and reads the whole story, lead to survey.
    as_(page, "rep")
    my_turn(page, COMPANY)
    timeline = story(page)
    for words in ("上线延期两周", "合同已签署", "客户已确认需求复述", "首次电话", "收到新线索"):
        expect(timeline).to_contain_text(words)
    assert page.console_errors == []
