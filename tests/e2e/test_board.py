"""A rep drags a deal on the pipeline board, is refused with the unmet criteria, completes the
checklist on the deal page, and moves it."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from salesop.core.testing import confirm_recap, make_deal, make_org, tick_stage
from salesop.deals.models import Deal
from tests.e2e.test_shell import log_in


def test_drag_refused_then_checklist_then_move(page, transactional_db):
    org = make_org()
    deal = make_deal(org.rep, name="智能仓储 WMS 项目")
    confirm_recap(deal, org.rep)  # the recap's own flow is tests/e2e/test_deal_execution.py
    log_in(page, "rep")
    page.goto("/deals/board/")
    card = page.get_by_test_id(f"deal-{deal.pk}")
    expect(
        page.get_by_test_id("column-discovery").get_by_test_id(f"deal-{deal.pk}")
    ).to_be_visible()

    card.drag_to(page.get_by_test_id("column-solution"))
    refusal = page.get_by_test_id("gate-refusal")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("复述需求并获客户确认")
    expect(
        page.get_by_test_id("column-discovery").get_by_test_id(f"deal-{deal.pk}")
    ).to_be_visible()
    assert Deal.objects.get(pk=deal.pk).stage == "discovery"

    refusal.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/deals/{deal.pk}/$"))
    boxes = page.get_by_test_id("stage-panel").get_by_role("checkbox")
    for i in range(boxes.count()):
        # Each tick posts and swaps the panel: wait for the server's answer before the next.
        with page.expect_response(lambda r: "/checklist/" in r.url):
            boxes.nth(i).check()
        expect(page.get_by_test_id("stage-panel").get_by_role("checkbox").nth(i)).to_be_checked()
    move = page.get_by_role("button", name="移至 方案呈现")
    expect(move).to_be_enabled()
    move.click()
    expect(page.get_by_test_id("deal-stage")).to_have_text("方案呈现")

    page.goto("/deals/board/")
    expect(page.get_by_test_id("column-solution").get_by_test_id(f"deal-{deal.pk}")).to_be_visible()
    # The refused move's 422 is the expected answer; nothing else may complain.
    assert [e for e in page.console_errors if "status of 422" not in e] == []


def test_a_move_on_the_board_moves_its_column_totals(page, transactional_db):
    org = make_org()
    deal = make_deal(org.rep, name="冷链追溯平台", amount=Decimal("250000"))
    make_deal(org.rep, name="另一个商机", amount=Decimal("1000"))
    tick_stage(deal, org.rep)  # its gate to the solution stage is met
    log_in(page, "rep")
    page.goto("/deals/board/")
    discovery = page.locator('[data-totals="discovery"]')
    solution = page.locator('[data-totals="solution"]')
    expect(discovery).to_contain_text("¥251,000.00")
    expect(solution.locator("[data-count]")).to_have_text("0")

    page.get_by_test_id(f"deal-{deal.pk}").drag_to(page.get_by_test_id("column-solution"))
    expect(page.get_by_test_id("column-solution").get_by_test_id(f"deal-{deal.pk}")).to_be_visible()
    expect(solution).to_contain_text("¥250,000.00")
    expect(solution.locator("[data-count]")).to_have_text("1")
    expect(discovery).to_contain_text("¥1,000.00")
    expect(discovery.locator("[data-count]")).to_have_text("1")
    assert page.console_errors == []
