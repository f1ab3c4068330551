"""Each person's home page puts their turn first: the hand-offs waiting for them, then the
queues of their roles, each row a link they can open, in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from salesop.accounts.models import Role
from salesop.aftersales.growth import stage_set
from salesop.aftersales.models import GrowthStage, Revisit
from salesop.contracts.legal_review import contract_submit
from salesop.contracts.services import clauses_edit, contract_create
from salesop.core.testing import (
    approved_quote,
    make_deal,
    make_template,
    make_user,
    signed_in,
)
from salesop.pricing.selectors import current_quote
from salesop.pricing.services import quote_create, quote_submit
from tests.aftersales.test_services import delivery, win  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def queue(page: str, key: str) -> str:
    start = page.index(f'data-testid="queue-{key}"')
    return page[
        start : page.index('data-testid="queue-', start + 10)
        if 'data-testid="queue-' in page[start + 10 :]
        else len(page)
    ]


def home(user) -> str:
    response = signed_in(user).get("/")
    assert response.status_code == 200
    return response.content.decode()


def links_open(user, page: str, key: str) -> None:
    import re

    for url in re.findall(r'href="(/[^"#]*)', queue(page, key)):
        assert signed_in(user).get(url).status_code == 200, url


def ask_discount(org, name="华东仓储扩容", discount="25"):
    deal = make_deal(org.rep, name=name)
    quote = quote_create(
        deal=deal,
        by=org.rep,
        lines=[{"description": "WMS 许可", "list_price": "100000", "discount_pct": discount}],
    )
    return quote_submit(quote=quote, by=org.rep)


def test_manager_and_finance_see_what_waits_for_their_decision(org):
    ask_discount(org, discount="15")
    ask_discount(org, name="冷链二期", discount="25")
    manager = home(org.manager)
    assert "华东仓储扩容" in queue(manager, "approvals")
    assert "冷链二期" not in queue(manager, "approvals")  # finance decides that one
    assert "请您审批" in queue(manager, "handoffs")
    assert 'data-testid="queue-alerts-team"' in manager
    links_open(org.manager, manager, "approvals")
    finance = home(org.finance)
    assert "冷链二期" in queue(finance, "approvals")
    links_open(org.finance, finance, "approvals")
    assert 'data-testid="queue-reviews"' not in finance
    rep = home(org.rep)
    assert 'data-testid="queue-approvals"' not in rep


def test_legal_sees_the_review_queue_not_an_empty_day(org):
    deal = make_deal(org.rep, name="冷链追溯平台")
    approved_quote(deal, org.rep)
    contract = contract_create(
        deal=deal, quote=current_quote(deal), template=make_template(org.ops), by=org.rep
    )
    clauses_edit(contract=contract, by=org.rep, texts={"ip": "定制开发部分的知识产权归甲方所有。"})
    contract_submit(contract=contract, by=org.rep)
    page = home(org.legal)
    assert contract.number in queue(page, "reviews")
    assert contract.number in queue(page, "handoffs")
    links_open(org.legal, page, "reviews")


def test_project_manager_and_customer_success_see_their_work(org, delivery):  # noqa: F811
    project = win(org)
    milestone = project.milestones.order_by("position").first()
    milestone.due_on = timezone.localdate() - timedelta(days=3)
    milestone.save()
    pm = home(delivery["pm"])
    assert project.name in queue(pm, "projects") and "1" in queue(pm, "projects")
    links_open(delivery["pm"], pm, "projects")
    stage_set(
        account=project.account, by=delivery["csm"], stage=GrowthStage.AT_RISK, reason="上线延期"
    )
    Revisit.objects.filter(owner=delivery["csm"]).update(due_on=timezone.localdate())
    csm = home(delivery["csm"])
    assert project.account.name in queue(csm, "at-risk")
    assert project.account.name in queue(csm, "revisits")
    links_open(delivery["csm"], csm, "revisits")


def test_the_home_page_costs_the_same_however_much_waits(org, django_assert_max_num_queries):
    for i in range(7):  # more than a queue shows: its total is counted
        ask_discount(org, name=f"商机 {i}", discount="15")
    signed_in(org.manager).get("/")  # warm the caches a first request fills
    with django_assert_max_num_queries(40) as few:
        home(org.manager)
    for i in range(7, 15):
        ask_discount(org, name=f"商机 {i}", discount="15")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = home(org.manager)
    assert "data-count>15<" in page.replace(" ", "") or ">15<" in queue(page, "approvals")


def test_ops_see_the_imports_and_every_role_opens_home(org):
    for user in (org.rep, org.manager, org.legal, org.ops, org.finance, org.director):
        assert signed_in(user).get("/").status_code == 200
    trainer = make_user("trainer", team=org.sales, roles=(Role.TRAINER,))
    assert signed_in(trainer).get("/").status_code == 200
    assert 'data-testid="queue-imports"' in home(org.ops)
