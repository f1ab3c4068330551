"""Two people acting on the same contract at the same instant (PostgreSQL)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from salesop.accounts.models import Role
from salesop.contracts.legal_review import contract_submit, review_decide
from salesop.contracts.models import Contract, Handover
from salesop.contracts.services import clauses_edit
from salesop.contracts.signing import contract_sign
from salesop.core.testing import SIGNED_PDF, cleared_contract, make_deal, make_org, make_user
from tests.contracts.test_services import IP_EDIT, in_contracting, ready_to_sign
from tests.deals.test_concurrency import race

pytestmark = pytest.mark.postgres


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_once_decide_once():
    assert connection.vendor == "postgresql"
    org = make_org()
    second = make_user("legal2", team=org.sales, roles=(Role.LEGAL,))
    deal = make_deal(org.rep)

    contract = cleared_contract(deal, org.rep)
    clauses_edit(contract=contract, by=org.rep, texts={"ip": IP_EDIT})
    contract_submit(contract=contract, by=org.rep)
    copies = [Contract.objects.get(pk=contract.pk) for _ in range(2)]
    outcomes = race(
        lambda: review_decide(
            contract=copies[0],
            by=org.legal,
            approve=True,
            decisions=[{"clause": "ip", "verdict": "accept"}],
        ),
        lambda: review_decide(
            contract=copies[1],
            by=second,
            approve=False,
            decisions=[{"clause": "ip", "verdict": "reject", "comment": "不接受"}],
        ),
    )
    assert outcomes == ["ok", "stale"]
    review = Contract.objects.get(pk=contract.pk).reviews.get()
    assert review.decisions.count() == 1 and review.outcome in ("approved", "returned")


@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_signature_wins_the_deal_once():
    org = make_org()
    deal = make_deal(org.rep, expected_close_date=timezone.localdate() + timedelta(days=30))
    in_contracting(org, deal)

    contract = ready_to_sign(org, cleared_contract(deal, org.rep))
    copies = [Contract.objects.get(pk=contract.pk) for _ in range(2)]
    outcomes = race(
        *(
            lambda c=c: contract_sign(contract=c, by=org.rep, name="s.pdf", content=SIGNED_PDF)
            for c in copies
        )
    )
    assert outcomes == ["ok", "stale"]
    assert Handover.objects.filter(deal=deal).count() == 1
    assert deal.stage_events.filter(kind="won").count() == 1
