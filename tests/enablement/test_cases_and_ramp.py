"""The case library (a closed deal written up, reviewed, searched) and the ramp of new hires on
a hand-checkable fixture."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from salesop.accounts.models import User
from salesop.core.errors import DomainError
from salesop.core.testing import make_channel, make_deal, make_user
from salesop.deals.models import Deal, DealObjection, Proposal
from salesop.enablement.cases import case_create, case_review, case_search, case_write
from salesop.enablement.ramp import ramp
from salesop.leads.models import Lead, LeadEvent

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def day(month: int, d: int) -> datetime:
    return datetime(2026, month, d, 10, tzinfo=SH)


@pytest.fixture
def won_deal(org):
    deal = make_deal(org.rep, name="冷链 WMS 项目")
    DealObjection.objects.create(
        deal=deal, category="price", customer_words="太贵", answer_used="分期付款", resolved=True
    )
    Deal.objects.filter(pk=deal.pk).update(status="won", stage="won")
    deal.refresh_from_db()
    return deal


def test_a_case_is_written_reviewed_and_found(org, won_deal):
    with pytest.raises(DomainError) as hidden:
        case_create(by=org.outsider, deal=won_deal)
    assert hidden.value.code == "not_visible"
    case = case_create(by=org.rep, deal=won_deal)
    assert case.outcome == "won" and case.objections[0]["answer"] == "分期付款"
    assert case.timeline[0]["stage"] == "discovery"
    with pytest.raises(DomainError):
        case_write(by=org.rep, case=case, title="", decisive_moments="", lessons="")
    case_write(
        by=org.rep,
        case=case,
        title="冷链客户如何接受价格",
        decisive_moments="CFO 参加了演示",
        lessons="尽早让财务参与",
    )
    assert case_search(org.teammate, objection="price") == []  # not published yet
    with pytest.raises(DomainError):
        case_review(by=org.other_manager, case=case, publish=True)  # another team's manager
    case_review(by=org.manager, case=case, publish=True)
    assert case_search(org.outsider, objection="price") == [case]
    assert case_search(org.outsider, q="财务") == [case]
    assert case_search(org.outsider, stage="negotiation") == []
    with pytest.raises(DomainError) as open_deal:
        case_create(by=org.rep, deal=make_deal(org.rep, name="还开着"))
    assert open_deal.value.code == "deal_open"


def test_the_case_timeline_dates_each_stage_on_the_companys_calendar(org, won_deal):
    # 00:30 in Shanghai on 1 March is still 28 February in UTC
    won_deal.stage_events.update(at=datetime(2027, 3, 1, 0, 30, tzinfo=SH))
    case = case_create(by=org.rep, deal=won_deal)
    assert case.timeline[0]["entered"] == "2027-03-01"


def test_ramp_of_a_new_hire_beside_the_team_median(org):
    """The veteran (the rep, joined 1 January): first qualified lead after 10 days, first
    proposal after 30, first win after 59. The new hire (joined 1 September): qualified after
    4 days, proposal after 19, no win yet, and contacted their one lead within the SLA."""
    hire = make_user("newbie", team=org.rep.team, full_name="新人小王")
    User.objects.filter(pk=org.rep.pk).update(date_joined=day(1, 1))
    User.objects.filter(pk=hire.pk).update(date_joined=day(9, 1))
    User.objects.filter(pk=org.teammate.pk).update(date_joined=day(1, 1) - timedelta(days=800))
    channel = make_channel()
    for owner, qualified_on in ((org.rep, day(1, 11)), (hire, day(9, 5))):
        lead = Lead.objects.create(
            owner=owner,
            team=owner.team,
            channel=channel,
            company_name=f"{owner} 的线索",
            created_at=qualified_on,
            first_contacted_at=qualified_on + timedelta(hours=2),
        )
        LeadEvent.objects.create(lead=lead, kind="status", to_value="qualified", at=qualified_on)
    for owner, proposed_on in ((org.rep, day(1, 31)), (hire, day(9, 20))):
        deal = make_deal(owner, name=f"{owner} 的商机")
        Proposal.objects.create(
            deal=deal, number=1, title="方案", created_by=owner, created_at=proposed_on
        )
    Deal.objects.filter(owner=org.rep).update(status="won", closed_at=day(3, 1))
    with time_machine.travel(day(11, 1)):  # the year's window read from 2026's November
        rows = {r.user.username: r for r in ramp(org.manager, since_days=365)}
    new = rows["newbie"]
    assert (new.to_qualified, new.to_proposal, new.to_win) == (4, 19, None)
    assert new.compliance == 100.0
    veteran = rows["rep"]
    assert (veteran.to_qualified, veteran.to_proposal, veteran.to_win) == (10, 30, 59)
    # The team: the rep, the hire and the teammate (no firsts): medians of what exists.
    assert new.team_median["to_qualified"] == 7 and new.team_median["to_win"] == 59
    assert "teammate" not in rows  # joined long before the window
