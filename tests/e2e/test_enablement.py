"""SOP part 6 training in the browser: the playbook requires certification to enter
negotiation; a new rep's deal is blocked there, the rep passes the course quiz, the mentor
scores a role-play, the rep is certified and moves the deal on."""

from playwright.sync_api import expect

from salesop.core.testing import make_deal, make_org, tick_stage
from salesop.deals.services import deal_move
from salesop.enablement.models import Course, Module, QuizQuestion, RolePlayScenario
from salesop.enablement.services import enroll
from salesop.playbook.services import playbook_activate, playbook_draft
from tests.e2e.test_contracts import switch
from tests.e2e.test_shell import log_in


def test_quiz_roleplay_certification_unblocks_the_deal(page, transactional_db):
    org = make_org()
    version = playbook_draft(
        changes={
            ("stages", "solution", "exit_criteria"): [
                "checklist.complete",
                "deal.amount_set",
                "stakeholders.decision_maker_identified",
                "proposal.delivered",
                "enablement.owner_certified",
            ]
        },
        by=org.ops,
        comment="谈判须认证",
    )
    playbook_activate(version=version, by=org.ops)
    course = Course.objects.create(code="NEG-301", title="谈判与异议处理", stage="negotiation")
    quiz = Module.objects.create(course=course, kind="theory", title="底线与让步", pass_pct=100)
    QuizQuestion.objects.create(
        module=quiz,
        position=0,
        text="客户说太贵了,先做什么?",
        choices=["立刻降价", "认同顾虑,再回应"],
        correct=[1],
    )
    QuizQuestion.objects.create(
        module=quiz,
        position=1,
        text="让步应当...",
        choices=["换取对方承诺", "无条件给出"],
        correct=[0],
    )
    enroll(by=org.manager, user=org.rep, course=course, mentor=org.teammate)
    RolePlayScenario.objects.create(
        title="采购总监压价", stage="negotiation", persona="预算紧张的采购总监"
    )
    deal = make_deal(org.rep, name="冷链 WMS 升级")
    tick_stage(deal, org.rep)
    deal_move(deal=deal, to_stage="solution", by=org.rep)
    tick_stage(deal, org.rep)

    log_in(page, "rep")
    page.goto(f"/deals/{deal.pk}/")
    gate = page.get_by_test_id("gate-negotiation")
    expect(gate).to_contain_text("张伟")  # not certified yet: the gate says who and why
    expect(gate.get_by_role("button", name="移至 谈判")).to_be_disabled()

    page.goto("/enablement/")
    page.get_by_test_id(f"module-{quiz.pk}").click()
    page.get_by_label("认同顾虑,再回应").check()
    page.get_by_label("换取对方承诺").check()
    page.get_by_test_id("quiz-submit").click()
    expect(page.get_by_test_id("result-status")).to_have_text("通过")

    switch(page, "teammate")  # the mentor
    page.goto("/enablement/roleplays/new/")
    form = page.get_by_test_id("roleplay-form")
    form.locator("select[name=trainee]").select_option(label="张伟")
    form.locator("select[name=scenario]").select_option(index=1)
    for key, points in (
        ("open_questions", "5"),
        ("needs_layered", "4"),
        ("recap", "4"),
        ("objection_handling", "4"),
        ("value", "4"),
    ):
        form.locator(f"input[name=score_{key}]").fill(points)
    page.get_by_test_id("roleplay-submit").click()
    expect(page.get_by_test_id("roleplays")).to_contain_text("84.0%")

    switch(page, "rep")
    page.goto("/enablement/")
    expect(page.get_by_test_id("certifications")).to_contain_text("谈判")  # the stage, by name
    page.goto(f"/deals/{deal.pk}/")
    page.get_by_test_id("gate-negotiation").get_by_role("button", name="移至 谈判").click()
    expect(page.get_by_test_id("deal-stage")).to_have_text("谈判")
    assert page.console_errors == []
