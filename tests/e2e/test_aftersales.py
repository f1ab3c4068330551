"""SOP part 5 in the browser: the rep wins the deal by recording the signature, the delivery
project appears with its roles, the customer opens a ticket through their link, support
responds and records a solution direction, a survey goes out, the customer answers with a low
score, and customer success finds the follow-up task."""

import re
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from salesop.accounts.models import Role
from salesop.contracts.signing import contract_schedule, contract_send, document_tick
from salesop.core.testing import (
    SIGNED_PDF,
    cleared_contract,
    make_account,
    make_deal,
    make_org,
    make_user,
    tick_stage,
)
from salesop.deals.services import deal_move
from tests.e2e.test_contracts import switch
from tests.e2e.test_shell import log_in


def test_win_deliver_support_and_listen(page, browser, live_server, transactional_db, tmp_path):
    org = make_org()
    make_user("pm", team=org.sales, roles=(Role.PROJECT_MANAGER,), full_name="周经理")
    make_user("tech", team=org.sales, roles=(Role.TECH_SUPPORT,), full_name="吴工")
    make_user("csm", team=org.sales, roles=(Role.CUSTOMER_SUCCESS,), full_name="郑成功")
    account = make_account(org.rep, "上海云仓物流有限公司", industry="物流")
    deal = make_deal(
        org.rep,
        account=account,
        name="WMS 智能仓储升级",
        amount=Decimal(480000),
        expected_close_date=timezone.localdate() + timedelta(days=30),
    )
    for target in ("solution", "negotiation", "contracting"):
        tick_stage(deal, org.rep)
        deal_move(deal=deal, to_stage=target, by=org.rep)
    tick_stage(deal, org.rep, meet_criteria=False)
    contract = cleared_contract(deal, org.rep)
    contract_schedule(
        contract=contract, by=org.rep, target_signing_date=timezone.localdate() + timedelta(3)
    )
    for key in ("contract", "authorisation_letter", "license_copy"):
        document_tick(contract=contract, by=org.rep, key=key)
    contract_send(contract=contract, by=org.rep)

    # The rep records the signature: the deal is won and delivery starts with its team.
    log_in(page, "rep")
    page.goto(f"/contracts/{contract.pk}/")
    scan = tmp_path / "signed.pdf"
    scan.write_bytes(SIGNED_PDF)
    page.get_by_test_id("sign-form").locator("[name=file]").set_input_files(str(scan))
    page.get_by_test_id("sign-contract").click()
    expect(page.get_by_test_id("contract-status")).to_have_text("已签约")
    page.get_by_test_id("nav-service").get_by_role("button", name="交付与服务").click()
    page.get_by_test_id("nav-service").get_by_role("link", name="交付", exact=True).click()
    page.get_by_role("link", name="WMS 智能仓储升级").click()
    expect(page.get_by_test_id("role-project_manager")).to_contain_text("周经理")
    expect(page.get_by_test_id("role-tech_support")).to_contain_text("吴工")
    expect(page.get_by_test_id("role-customer_success")).to_contain_text("郑成功")

    # The project manager gives the customer their support link.
    switch(page, "pm")
    page.goto("/delivery/")
    page.get_by_role("link", name="WMS 智能仓储升级").click()
    page.get_by_test_id("portal-link").click()
    link = re.search(r"https?://\S+/support/[\w-]+/", page.locator(".alert-success").inner_text())
    assert link is not None
    portal_url = link.group(0)

    # The customer, without logging in, reports a problem.
    customer_context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    customer = customer_context.new_page()
    customer.goto(portal_url)
    customer.locator("[name=title]").fill("盘点数据与系统不一致")
    customer.locator("[name=description]").fill("3 号仓实盘比系统少 12 件")
    customer.locator("[name=severity]").select_option("high")
    customer.locator("[name=reporter]").fill("王主管")
    customer.get_by_test_id("portal-submit").click()
    expect(customer.get_by_test_id("portal-status")).to_have_text("待处理")

    # Support answers, gives the solution direction, resolves and sends a survey.
    switch(page, "tech")
    page.goto("/delivery/tickets/")
    page.get_by_test_id("ticket-queue").get_by_role("link").first.click()
    expect(page.get_by_test_id("sla")).to_contain_text("剩余")
    page.locator("[name=body]").fill("已收到,今天下午远程排查")
    page.get_by_test_id("respond").click()
    expect(page.get_by_test_id("ticket-messages")).to_contain_text("今天下午远程排查")
    page.locator("[name=direction]").fill("核对出库扫描记录,修复重复扣减")
    page.get_by_test_id("record-direction").click()
    expect(page.get_by_test_id("direction")).to_have_text("核对出库扫描记录,修复重复扣减")
    page.get_by_test_id("resolve").click()
    page.get_by_test_id("send-survey").click()
    survey = re.search(
        r"https?://\S+/support/survey/[\w-]+/", page.locator(".alert-success").inner_text()
    )
    assert survey is not None

    # The customer sees the answer on their link, then scores low.
    customer.reload()
    expect(customer.get_by_test_id("portal-messages")).to_contain_text("今天下午远程排查")
    customer.goto(survey.group(0))
    customer.locator("[name=nps][value='3']").check()
    customer.locator("[name=csat][value='2']").check()
    customer.locator("[name=comment]").fill("问题解决了,但上线后的培训不够")
    customer.get_by_test_id("survey-submit").click()
    expect(customer.get_by_test_id("survey-thanks")).to_be_visible()
    customer_context.close()

    # Customer success finds the follow-up task on their home page.
    switch(page, "csm")
    page.goto("/")
    expect(page.get_by_test_id("my-work")).to_contain_text("NPS 3")
    assert page.console_errors == []
