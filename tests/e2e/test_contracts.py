"""The legal half of SOP part 4 in the browser: the rep makes the contract from the approved
quote and rewords the IP clause, legal finds it in the queue and returns it with a comment, the
rep adopts legal's wording and resubmits, legal approves, the rep sets the signing date,
prepares the documents, sends, uploads the signed copy and sees the deal won."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from salesop.contracts.models import Contract
from salesop.core.testing import (
    SIGNED_PDF,
    make_account,
    make_deal,
    make_org,
    make_template,
    tick_stage,
)
from salesop.deals.models import Deal
from salesop.deals.services import deal_move
from tests.e2e.test_shell import log_in

IP_EDIT = "为甲方定制开发部分的知识产权归甲方所有,其余软件及文档的知识产权归乙方所有。"
LEGAL_WORDING = IP_EDIT + "乙方保留通用组件及开发工具的知识产权。"


def switch(page, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username)


def test_contract_review_and_signing(page, transactional_db, tmp_path):
    org = make_org()
    make_template(org.ops)
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

    # The rep makes the contract and rewords the IP clause.
    log_in(page, "rep")
    page.goto(f"/deals/{deal.pk}/")
    page.get_by_test_id("make-contract").click()
    expect(page.get_by_test_id("contract-status")).to_have_text("草稿")
    ip = page.get_by_test_id("clause-ip")
    ip.locator("textarea").fill(IP_EDIT)
    page.get_by_test_id("save-clauses").click()
    expect(page.get_by_test_id("clause-ip").get_by_test_id("needs-review")).to_be_visible()
    expect(page.get_by_test_id("diff-ip").locator("mark").first).to_be_visible()
    page.get_by_test_id("submit-contract").click()
    expect(page.get_by_test_id("contract-status")).to_have_text("法务审核中")
    contract = Contract.objects.get()

    # Legal returns it with a comment and a proposed wording.
    switch(page, "legal")
    page.goto("/contracts/review/")
    page.get_by_test_id(f"queue-{contract.number}").click()
    review = page.get_by_test_id("review-ip")
    review.get_by_label("建议措辞").first.check()
    review.locator("[name=comment-ip]").fill("定制部分可归甲方,须保留乙方通用组件的权利")
    review.locator("[name=proposed-ip]").fill(LEGAL_WORDING)
    page.locator("[name=comment]").fill("请采用建议措辞后重新提交")
    page.get_by_test_id("review-return").click()
    expect(page.get_by_test_id("review-queue")).not_to_contain_text(contract.number)

    # The rep sees the comment, adopts legal's wording and resubmits.
    switch(page, "rep")
    page.goto(f"/contracts/{contract.pk}/")
    expect(page.get_by_test_id("returned-comment")).to_contain_text("请采用建议措辞后重新提交")
    page.get_by_test_id("adopt-ip").click()
    expect(page.get_by_test_id("clause-ip").locator("textarea")).to_have_value(LEGAL_WORDING)
    page.get_by_test_id("submit-contract").click()
    expect(page.get_by_test_id("contract-status")).to_have_text("法务审核中")

    # Legal approves.
    switch(page, "legal")
    page.goto(f"/contracts/{contract.pk}/")
    page.get_by_test_id("review-ip").get_by_label("接受").check()
    page.get_by_test_id("review-approve").click()
    page.goto(f"/contracts/{contract.pk}/")
    expect(page.get_by_test_id("contract-status")).to_have_text("已批准")

    # The rep agrees the date, prepares the documents, sends and records the signature.
    switch(page, "rep")
    page.goto(f"/contracts/{contract.pk}/")
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    page.get_by_test_id("target-date").fill(day)
    page.get_by_test_id("save-date").click()
    for key in ("contract", "authorisation_letter", "license_copy"):
        page.get_by_test_id(f"document-{key}").get_by_role("button").click()
        expect(page.get_by_test_id(f"document-{key}").get_by_role("button")).to_have_text("✓")
    page.get_by_test_id("send-contract").click()
    expect(page.get_by_test_id("contract-status")).to_have_text("已发出待签")
    scan = tmp_path / "盖章合同.pdf"
    scan.write_bytes(SIGNED_PDF)
    page.get_by_test_id("sign-form").locator("[name=file]").set_input_files(str(scan))
    page.get_by_test_id("sign-contract").click()
    expect(page.get_by_test_id("contract-status")).to_have_text("已签约")
    expect(page.get_by_test_id("files")).to_contain_text("盖章合同.pdf")
    page.goto(f"/deals/{deal.pk}/")
    expect(page.get_by_test_id("deal-stage")).to_have_text("赢单")
    assert Deal.objects.get(pk=deal.pk).status == "won"
    assert page.console_errors == []
