"""Quotes beyond the playbook's thresholds wait for the named role; a slow approval alerts the
requester and escalates to sales ops (the playbook's approval timer)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from salesop.core.errors import DomainError, StaleWrite
from salesop.core.testing import engage, make_deal, tick_stage
from salesop.deals.services import GateRefused, deal_move
from salesop.monitor.models import Alert, Notification
from salesop.monitor.services import sweep
from salesop.playbook.selectors import active_playbook
from salesop.pricing.models import Approval, Quote
from salesop.pricing.rules import LineTerms, route_quote
from salesop.pricing.services import approval_decide, quote_create, quote_submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("discount", "term", "roles"),
    [
        ("5", 30, []),
        ("10", 30, []),
        ("15", 30, ["manager"]),
        ("25", 30, ["finance"]),
        ("5", 45, ["manager"]),
        ("18", 90, ["manager", "finance"]),
    ],
)
def test_needed_approvals_follow_the_playbook(org, discount, term, roles):
    # a free line (no product policy) follows the playbook's bands, as does the term
    routing = route_quote(
        lines=[LineTerms("WMS 许可", Decimal(100000), Decimal(discount))],
        payment_term_days=term,
        currency="CNY",
        bands=active_playbook().approvals,
    )
    assert routing.refused == []
    assert [n.role for n in routing.needed] == roles


def test_beyond_the_last_step_is_refused(org):
    routing = route_quote(
        lines=[LineTerms("WMS 许可", Decimal(100000), Decimal(35))],
        payment_term_days=30,
        currency="CNY",
        bands=active_playbook().approvals,
    )
    assert [r.field for r in routing.refused] == ["lines[0].discount_pct"]
    deal = make_deal(org.rep)
    # No approval path exists: refused when the quote is made, and nothing is written.
    with pytest.raises(DomainError) as refused:
        quote_create(
            deal=deal,
            by=org.rep,
            lines=[{"description": "WMS 许可", "list_price": "100000", "discount_pct": "40"}],
        )
    assert refused.value.code == "beyond_policy"
    assert "lines[0].discount_pct" in refused.value.fields
    assert not Quote.objects.exists()


def quote(org, discount="15", term=30):
    deal = make_deal(org.rep)
    q = quote_create(
        deal=deal,
        by=org.rep,
        payment_term_days=term,
        lines=[
            {
                "description": "WMS 许可",
                "list_price": "100000",
                "quantity": 2,
                "discount_pct": discount,
            }
        ],
    )
    return quote_submit(quote=q, by=org.rep)


def test_within_policy_is_approved_at_once(org):
    assert quote(org, discount="8").status == "approved"


def test_manager_approves_but_not_the_requester_nor_another_role(org):
    q = quote(org)
    approval = Approval.objects.get(quote=q)
    assert (q.status, approval.role) == ("pending", "manager")
    with pytest.raises(DomainError):
        approval_decide(approval=approval, by=org.rep, approve=True)
    with pytest.raises(DomainError):
        approval_decide(approval=approval, by=org.legal, approve=True)
    approval_decide(approval=approval, by=org.manager, approve=True, comment="长期客户")
    q.refresh_from_db()
    assert q.status == "approved"
    with pytest.raises(StaleWrite):
        approval_decide(approval=approval, by=org.manager, approve=False)


def test_manager_requesting_cannot_approve_own_quote(org):
    deal = make_deal(org.manager)
    q = quote_submit(
        quote=quote_create(
            deal=deal,
            by=org.manager,
            lines=[{"description": "MES", "list_price": "50000", "discount_pct": "15"}],
        ),
        by=org.manager,
    )
    approval = Approval.objects.get(quote=q)
    with pytest.raises(DomainError) as refused:
        approval_decide(approval=approval, by=org.manager, approve=True)
    assert refused.value.code == "own_request"


def test_slow_approval_alerts_then_escalates_to_ops_and_clears(org, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    q = quote(org)
    time_machine.shift(timedelta(hours=24) - timedelta(minutes=1))
    assert sweep().opened == 0
    time_machine.shift(timedelta(minutes=1))
    assert sweep().opened == 1
    alert = Alert.objects.get(kind="approval.pending_too_long")
    assert alert.owner == org.rep and "仓储系统升级" in Notification.objects.get(user=org.rep).title
    time_machine.shift(timedelta(days=1))
    assert sweep().escalated == 1
    assert Notification.objects.filter(user=org.ops).exists()
    approval_decide(approval=Approval.objects.get(quote=q), by=org.manager, approve=True)
    assert sweep().resolved == 1


def test_quote_criterion_gates_the_move(org):
    deal = make_deal(org.rep, expected_close_date=timezone.localdate())
    for stage in ("discovery", "solution"):
        tick_stage(deal, org.rep)
        deal_move(
            deal=deal,
            to_stage={"discovery": "solution", "solution": "negotiation"}[stage],
            by=org.rep,
        )
    tick_stage(deal, org.rep, meet_criteria=False)
    engage(deal, org.rep, "decision_maker")
    with pytest.raises(GateRefused) as refused:
        deal_move(deal=deal, to_stage="contracting", by=org.rep)
    assert [f.criterion for f in refused.value.failures] == ["quote.within_policy_or_approved"]
    quote_submit(
        quote=quote_create(
            deal=deal,
            by=org.rep,
            lines=[{"description": "WMS", "list_price": "1000", "discount_pct": "5"}],
        ),
        by=org.rep,
    )
    deal_move(deal=deal, to_stage="contracting", by=org.rep)


def test_who_decides_is_one_rule_for_the_queue_the_page_and_the_service(client, org):
    # the manager of another team neither sees nor decides; a superuser, whom the service
    # lets decide, sees it in their queue (their queue was their own requests only)
    from salesop.core.testing import make_user, signed_in
    from salesop.pricing.selectors import approval_queue

    approval = Approval.objects.get(quote=quote(org))
    assert [a.pk for a in approval_queue(org.other_manager)] == []
    with pytest.raises(DomainError) as refused:
        approval_decide(approval=approval, by=org.other_manager, approve=True)
    assert refused.value.code == "forbidden"
    assert signed_in(org.other_manager).post(f"/approvals/{approval.pk}/decide/").status_code == 404

    [mine] = approval_queue(org.rep)
    assert not mine.decidable  # the rep follows their request
    [theirs] = approval_queue(org.manager)
    assert theirs.decidable and "Sales manager" in theirs.reason
    root = make_user("root", team=org.sales, roles=())
    root.is_superuser = True
    root.save(update_fields=["is_superuser"])
    assert [(a.pk, a.decidable) for a in approval_queue(root)] == [(approval.pk, True)]

    page = signed_in(org.rep).get("/approvals/").content.decode()
    assert "your request" in page and 'value="approve"' not in page
    page = signed_in(org.manager).get("/approvals/").content.decode()
    assert 'value="approve"' in page
    api = signed_in(org.manager).get("/api/v1/approvals").json()
    assert [(a["id"], a["decidable"]) for a in api] == [(approval.pk, True)]
    assert api[0]["reason"] == theirs.reason
