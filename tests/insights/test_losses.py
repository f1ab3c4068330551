"""Loss and churn reasons, objections and feedback on a hand-checkable October 2026:

Five deals lost: price three times (twice in negotiation, once in solution, two to 金蝶, one to
SAP), to a competitor once (contracting, 金蝶), no budget once (discovery). Two deals won.
A price objection was raised on both won deals and two lost ones (win rate 50%), a timing
objection on one lost deal (0%). Two customers churned: service, and to 用友 on price.
Surveys: after milestones NPS 10, 9, 3 (NPS 33.3), CSAT 5, 4, 2 (3.67); after a ticket NPS 6
(-100.0), CSAT 2."""

from datetime import timedelta

import pytest
from django.db.models import Q

from salesop.aftersales.growth import account_churn
from salesop.aftersales.models import Churn, Survey
from salesop.core.errors import DomainError
from salesop.core.testing import make_account, make_deal
from salesop.deals.models import Deal, DealObjection, StageEvent
from salesop.deals.services import deal_mark_lost
from salesop.insights.losses import pareto
from salesop.insights.rules import month_period
from salesop.insights.selectors import losses

from .conftest import at, move

pytestmark = pytest.mark.django_db
OCTOBER = month_period(2026, 10)
LOST = [
    ("price", "negotiation", "金蝶"),
    ("price", "negotiation", "SAP"),
    ("price", "solution", "金蝶"),
    ("competitor", "contracting", "金蝶"),
    ("no_budget", "discovery", ""),
]
PATH = ["discovery", "solution", "negotiation", "contracting"]


@pytest.fixture
def october(org):
    lost = []
    for i, (reason, stage, to) in enumerate(LOST):
        deal = make_deal(org.rep, name=f"输单 {i}")
        for step in PATH[1 : PATH.index(stage) + 1]:
            move(deal, step, at(2), 1)
        Deal.objects.filter(pk=deal.pk).update(stage=stage)
        deal.refresh_from_db()
        deal_mark_lost(deal=deal, by=org.rep, reason=reason, competitor=to)
        lost.append(deal)
    won = [make_deal(org.rep, name=f"赢单 {i}") for i in range(2)]
    Deal.objects.filter(pk__in=[d.pk for d in won]).update(status="won", stage="won")
    Deal.objects.filter(Q(status="won") | Q(status="lost")).update(closed_at=at(20))
    StageEvent.objects.filter(kind="lost").update(at=at(20))
    for deal in [*won, *lost[:2]]:
        DealObjection.objects.create(deal=deal, category="price", customer_words="太贵了")
    DealObjection.objects.create(deal=lost[2], category="timing", customer_words="明年再说")
    gone = make_account(org.rep, name="华东物流")
    account_churn(account=gone, by=org.rep, reason="service")
    other = make_account(org.rep, name="Acme Trading")
    account_churn(account=other, by=org.rep, reason="price", competitor="用友")
    Churn.objects.update(at=at(25))
    answers = [
        ("milestone", 10, 5, "实施周期太长，培训不够"),
        ("milestone", 9, 4, "实施团队很专业"),
        ("milestone", 3, 2, ""),
        ("ticket", 6, 2, "响应太慢"),
    ]
    for i, (trigger, nps, csat, comment) in enumerate(answers):
        Survey.objects.create(
            account=gone,
            trigger=trigger,
            token_hash=f"t{i}",
            sent_by=org.rep,
            sent_at=at(10),
            expires_at=at(10) + timedelta(days=14),
            answered_at=at(11),
            nps=nps,
            csat=csat,
            comment=comment,
        )


def test_lost_deal_reasons_stages_and_competitors(org, october):
    report = losses(org.manager, OCTOBER)
    assert report.lost_deals == 5
    assert [(b.key, b.count, str(b.share), str(b.cumulative)) for b in report.reasons] == [
        ("price", 3, "60.0", "60.0"),
        ("competitor", 1, "20.0", "80.0"),
        ("no_budget", 1, "20.0", "100.0"),
    ]
    stages = {b.key: b.count for b in report.stages}
    assert stages == {"negotiation": 2, "solution": 1, "contracting": 1, "discovery": 1}
    assert [(b.label, b.count) for b in report.competitors] == [("金蝶", 3), ("SAP", 1)]


def test_churn_objections_and_feedback(org, october):
    report = losses(org.manager, OCTOBER)
    assert report.churns == 2
    assert {b.key for b in report.churn_reasons} == {"service", "price"}
    assert [(b.label, b.count) for b in report.churn_competitors] == [("用友", 1)]
    price, timing = report.objections
    assert (price.category, price.deals, price.won, str(price.win_rate)) == ("price", 4, 2, "50.0")
    assert (timing.category, timing.deals, timing.won, str(timing.win_rate)) == (
        "timing",
        1,
        0,
        "0.0",
    )
    assert str(report.overall_win_rate) == "28.6"
    milestone, ticket = report.feedback
    assert (milestone.answers, str(milestone.nps), str(milestone.csat)) == (3, "33.3", "3.67")
    assert (ticket.trigger, str(ticket.nps), str(ticket.csat)) == ("ticket", "-100.0", "2.00")
    assert report.themes[0] == ("实施", 2)


def test_another_team_sees_nothing_and_an_empty_month_divides_by_nothing(org, october):
    assert losses(org.outsider, OCTOBER).lost_deals == 0
    assert losses(org.outsider, OCTOBER).churns == 0
    empty = losses(org.rep, month_period(2026, 3))
    assert empty.reasons == [] and empty.overall_win_rate is None and empty.feedback == []


def test_churn_needs_a_playbook_reason(org):
    with pytest.raises(DomainError) as refused:
        account_churn(account=make_account(org.rep), by=org.rep, reason="bored")
    assert refused.value.code == "churn_reason" and "service" in refused.value.fields["reason"]
    assert not Churn.objects.exists()


def test_pareto_ties_and_the_page(client, org, october):
    from collections import Counter

    assert [b.key for b in pareto(Counter({"b": 1, "a": 1}), {})] == ["a", "b"]
    client.force_login(org.manager)
    page = client.get("/insights/losses/?month=2026-10").content.decode()
    assert 'data-testid="loss-reasons"' in page and "金蝶" in page and "用友" in page
    assert client.get("/insights/losses/?month=2026-10&format=xlsx").status_code == 200
