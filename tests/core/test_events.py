"""Every hand-off of the SOP is one event on one stream: a deal walked from its first stage to
delivery, a quote through its approvals, a contract through legal, a ticket and a trainee's
practice each publish what happened, with the record it happened to, in the order it did.
A refused step publishes nothing. Each app says its events in its own events.py."""

import importlib
from datetime import timedelta

import pytest
from django.utils import timezone

from salesop.accounts.models import Role
from salesop.aftersales.models import DeliveryProject
from salesop.aftersales.tickets import ticket_direction, ticket_open, ticket_resolve
from salesop.contracts.legal_review import contract_submit, review_decide
from salesop.contracts.services import clauses_edit, contract_create
from salesop.core.errors import DomainError
from salesop.core.events import subscribe
from salesop.core.testing import (
    make_deal,
    make_template,
    make_user,
    sign_contract,
    tick_stage,
)
from salesop.deals.services import deal_mark_lost, deal_move, deal_reopen
from salesop.pricing.services import approval_decide, quote_create, quote_submit

pytestmark = pytest.mark.django_db

APPS = ("deals", "leads", "activities", "accounts", "customers", "pricing", "contracts")
APPS += ("aftersales", "enablement")
HEARD: list[tuple[str, dict]] = []


def _names(app: str) -> list[str]:
    """The event names an app's events.py declares (its upper-case "<subject>.<what>")."""
    module = importlib.import_module(f"salesop.{app}.events")
    return [
        value
        for key, value in vars(module).items()
        if key.isupper() and isinstance(value, str) and "." in value
    ]


def _listener(name: str):
    def heard(**data) -> None:
        HEARD.append((name, data))

    heard.__qualname__ = f"heard[{name}]"
    return heard


for _name in [name for app in APPS for name in _names(app)]:
    subscribe(_name)(_listener(_name))


@pytest.fixture
def heard():
    HEARD.clear()
    return HEARD


def names(heard) -> list[str]:
    return [name for name, _data in heard]


def test_every_app_says_its_events_in_its_events_module():
    every = [name for app in APPS for name in _names(app)]
    assert all(_names(app) for app in APPS) and len(every) == len(set(every))
    assert {"deal.won", "contract.signed", "project.opened", "quote.approval_requested"} <= set(
        every
    )


def test_a_deal_walked_to_delivery_publishes_each_hand_off_in_order(org, heard):
    for role in (Role.PROJECT_MANAGER, Role.TECH_SUPPORT, Role.CUSTOMER_SUCCESS):
        make_user(role, team=org.sales, roles=(role,))
    deal = make_deal(org.rep, expected_close_date=timezone.localdate() + timedelta(days=30))
    for target in ("solution", "negotiation", "contracting"):
        tick_stage(deal, org.rep)
        deal_move(deal=deal, to_stage=target, by=org.rep)
    tick_stage(deal, org.rep, meet_criteria=False)
    sign_contract(deal, org.rep)

    subjects = ("deal", "quote", "contract", "project")
    hand_offs = [name for name in names(heard) if name.split(".")[0] in subjects]
    assert hand_offs[:8] == [
        "deal.created",
        "deal.moved",
        "deal.moved",
        "quote.approved",  # within policy: approved at once
        "deal.moved",
        "contract.cleared",  # standard wording: cleared without legal
        "contract.sent",
        "deal.won",
    ]
    # after-sales subscribed first: it hears the signature, opening the project, before us
    assert sorted(hand_offs[8:]) == ["contract.signed", "project.opened"]
    project = DeliveryProject.objects.get(deal=deal)
    signed = next(data for name, data in heard if name == "contract.signed")
    assert signed["handover"].deal == deal and signed["by"] == org.rep
    opened = next(data for name, data in heard if name == "project.opened")
    assert opened["project"] == project
    won = next(data for name, data in heard if name == "deal.won")
    assert won["event"].from_stage == "contracting" and won["deal"].status == "won"


def test_a_lost_deal_reopened_is_heard_with_its_reason(org, heard):
    deal = make_deal(org.rep)
    deal_mark_lost(deal=deal, by=org.rep, reason="price")
    with pytest.raises(DomainError):  # a rep may not reopen: nothing is heard
        deal_reopen(deal=deal, by=org.rep, reason="客户回来了")
    deal_reopen(deal=deal, by=org.manager, reason="客户回来了")
    assert names(heard) == ["deal.created", "deal.lost", "deal.reopened"]
    assert heard[1][1]["event"].reason == "price"
    assert heard[2][1]["event"].override_reason == "客户回来了"


def test_a_quote_beyond_policy_waits_for_its_approver_then_is_approved(org, heard):
    deal = make_deal(org.rep)
    quote = quote_create(
        deal=deal,
        by=org.rep,
        lines=[{"description": "WMS 许可", "list_price": "100000", "discount_pct": "15"}],
    )
    quote_submit(quote=quote, by=org.rep)
    assert names(heard)[-1] == "quote.approval_requested"
    approval = heard[-1][1]["approval"]
    assert approval.role == "manager" and heard[-1][1]["by"] == org.rep
    with pytest.raises(DomainError):  # not their own request
        approval_decide(approval=approval, by=org.rep, approve=True)
    approval_decide(approval=approval, by=org.manager, approve=True)
    assert names(heard)[-2:] == ["quote.approval_decided", "quote.approved"]
    assert heard[-1][1]["quote"].status == "approved"


def test_a_contract_with_a_changed_clause_goes_to_legal_and_comes_back(org, heard):
    deal = make_deal(org.rep)
    quote = quote_create(
        deal=deal, by=org.rep, lines=[{"description": "WMS 许可", "list_price": "100000"}]
    )
    quote_submit(quote=quote, by=org.rep)
    contract = contract_create(deal=deal, quote=quote, template=make_template(org.ops), by=org.rep)
    clause = contract.clauses.first()
    clauses_edit(
        contract=contract, by=org.rep, texts={clause.key: clause.text + "（付款期限延长至 180 天）"}
    )
    contract_submit(contract=contract, by=org.rep)
    assert names(heard)[-1] == "contract.submitted"
    assert heard[-1][1]["review"].contract == contract
    review_decide(
        contract=contract,
        by=org.legal,
        approve=False,
        decisions=[{"clause": clause.key, "verdict": "reject", "comment": "付款期限过长"}],
    )
    assert names(heard)[-1] == "contract.returned" and heard[-1][1]["by"] == org.legal


def test_a_ticket_opened_by_the_customer_and_resolved(org, heard):
    make_user("tech", team=org.sales, roles=(Role.TECH_SUPPORT,))
    from salesop.core.testing import make_account

    account = make_account(org.rep)
    ticket = ticket_open(
        account=account,
        by=None,
        channel="portal",
        severity="urgent",
        title="无法登录",
        description="今天上午起所有仓库账号无法登录",
    )
    ticket_direction(ticket=ticket, by=org.rep, direction="重置认证服务")
    ticket_resolve(ticket=ticket, by=org.rep)
    assert [n for n in names(heard) if n.startswith("ticket.")] == [
        "ticket.opened",
        "ticket.resolved",
    ]
    opened = next(data for name, data in heard if name == "ticket.opened")
    assert opened["by"] is None and opened["ticket"] == ticket
