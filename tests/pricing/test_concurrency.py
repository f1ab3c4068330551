"""Approvers and the rep acting on the same quote at the same instant (PostgreSQL)."""

import pytest
from auditlog.models import LogEntry
from django.db import connection

from salesop.accounts.models import Role
from salesop.core.testing import (
    at_once,
    make_deal,
    make_org,
    make_policy,
    make_product,
    make_user,
    signed_in,
)
from salesop.pricing.models import Approval, Quote
from salesop.pricing.services import approval_decide, quote_propose, quote_revise
from tests.deals.test_concurrency import race

pytestmark = pytest.mark.postgres


def pending_quote(org):
    wms = make_product()
    make_policy(family="wms")
    quote = quote_propose(
        deal=make_deal(org.rep),
        by=org.rep,
        lines=[{"product_id": wms.pk, "discount_pct": "15"}],
        payment_term_days=90,
    )
    return wms, quote


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_leave_the_quote_approved():
    assert connection.vendor == "postgresql"
    org = make_org()
    _wms, quote = pending_quote(org)
    manager, finance = (Approval.objects.get(quote=quote, role=r) for r in ("manager", "finance"))
    outcomes = race(
        lambda: approval_decide(approval=manager, by=org.manager, approve=True),
        lambda: approval_decide(approval=finance, by=org.finance, approve=True),
    )
    assert outcomes == ["ok", "ok"]
    assert Quote.objects.get(pk=quote.pk).status == "approved"


@pytest.mark.django_db(transaction=True)
def test_a_decision_racing_a_revision_leaves_one_consistent_outcome():
    org = make_org()
    wms, quote = pending_quote(org)
    manager = Approval.objects.get(quote=quote, role="manager")
    stale_copy = Quote.objects.get(pk=quote.pk)
    outcomes = race(
        lambda: approval_decide(approval=manager, by=org.manager, approve=True),
        lambda: quote_revise(
            quote=stale_copy,
            by=org.rep,
            lines=[{"product_id": wms.pk, "discount_pct": "12"}],
            payment_term_days=30,
        ),
    )
    manager.refresh_from_db()
    old = Quote.objects.get(pk=quote.pk)
    # Either way the revision wins and the old revision has nothing left to decide.
    assert old.status == "superseded"
    assert not Approval.objects.filter(quote=old, status="pending").exists()
    assert Quote.objects.filter(deal=old.deal).exclude(status="superseded").count() == 1
    if outcomes == ["ok", "ok"]:  # the decision came first and stays, voided
        assert manager.status == "approved" and manager.voided_at is not None
    else:  # the revision came first: the approval was void when the decision arrived
        assert outcomes == ["ok", "stale"] and manager.status == "void"


@pytest.mark.django_db(transaction=True)
def test_eight_approvers_deciding_one_approval_at_once_leave_one_decision():
    org = make_org()
    wms = make_product()
    make_policy(family="wms")
    quote = quote_propose(
        deal=make_deal(org.rep), by=org.rep, lines=[{"product_id": wms.pk, "discount_pct": "15"}]
    )
    approval = Approval.objects.get(quote=quote)  # the manager's, for the discount
    approvers = [org.manager] + [
        make_user(f"manager{n}", team=org.east, roles=(Role.MANAGER,)) for n in range(7)
    ]
    answers = at_once(
        [signed_in(approver) for approver in approvers],
        lambda n, client: client.post(
            f"/api/v1/approvals/{approval.pk}/decide",
            {"approve": n % 2 == 0, "comment": f"审批人 {n}"},
            content_type="application/json",
        ),
    )
    winners = [n for n, (status, _body) in answers.items() if status == 200]
    assert len(answers) == 8 and len(winners) == 1, answers
    for status, body in (a for n, a in answers.items() if n not in winners):
        assert status == 409 and "already decided" in body["detail"]
    approval.refresh_from_db()
    winner = winners[0]
    assert (approval.decided_by, approval.comment) == (approvers[winner], f"审批人 {winner}")
    assert approval.status == ("approved" if winner % 2 == 0 else "rejected")
    assert Quote.objects.get(pk=quote.pk).status == approval.status
    decisions = LogEntry.objects.get_for_object(approval).filter(action=LogEntry.Action.UPDATE)
    assert decisions.count() == 1  # one decision, one audit row
