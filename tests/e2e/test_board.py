"""A rep drags a deal on the pipeline board, is refused with the unmet criteria, completes the
checklist on the deal page, and moves it."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from salesop.core.testing import (
    customer_confirms_recap,
    make_deal,
    make_org,
    needs_at_both_layers,
    prepared,
    tick_stage,
)
from salesop.deals.discovery.services import question_create
from salesop.deals.models import Deal
from tests.e2e.test_shell import log_in


def test_drag_refused_then_checklist_then_move(page, transactional_db):
    org = make_org()
    deal = make_deal(org.rep, name="智能仓储 WMS 项目")
    customer_confirms_recap(deal, org.rep)  # its own flow: tests/e2e/test_deal_execution.py
    prepared(deal, org.rep)
    needs_at_both_layers(deal, org.rep)
    question_create(by=org.ops, text="明年最重要的经营目标是什么?", layer="deep")
    log_in(page, "rep")
    page.goto("/deals/board/")
    card = page.get_by_test_id(f"deal-{deal.pk}")
    expect(
        page.get_by_test_id("column-discovery").get_by_test_id(f"deal-{deal.pk}")
    ).to_be_visible()

    card.drag_to(page.get_by_test_id("column-solution"))
    refusal = page.get_by_test_id("gate-refusal")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("准备开放式问题清单")  # the one item not done yet
    expect(
        page.get_by_test_id("column-discovery").get_by_test_id(f"deal-{deal.pk}")
    ).to_be_visible()
    assert Deal.objects.get(pk=deal.pk).stage == "discovery"

    refusal.get_by_role("link", name="打开商机完成检查清单").click()
    expect(page).to_have_url(re.compile(rf"/deals/{deal.pk}/$"))
    # The item ticks itself from the work, not from its box: the deal page says what to do and
    # links to where it is done.
    item = page.get_by_test_id("evidence-open_questions")
    expect(item.get_by_role("checkbox")).to_be_disabled()
    expect(item).to_contain_text("从问题库中为提问清单挑选开放式问题")
    item.get_by_role("link").click()
    plan = page.get_by_test_id("call-plan")
    plan.get_by_label("明年最重要的经营目标是什么?").check()
    plan.locator("form button[type=submit]").last.click()
    expect(page.get_by_test_id("call-plan")).to_contain_text("明年最重要的经营目标")
    page.goto(f"/deals/{deal.pk}/")
    expect(page.get_by_test_id("evidence-open_questions").get_by_role("checkbox")).to_be_checked()
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
