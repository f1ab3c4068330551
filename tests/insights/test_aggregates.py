"""The daily aggregates give the same figures as the live reports (for records people own),
and the reports read them for past periods once a refresh covers them."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from salesop.core.testing import make_channel
from salesop.insights import aggregates
from salesop.insights.filters import Filters
from salesop.insights.models import AggregateRun, CohortMonth
from salesop.insights.rules import month_period
from salesop.insights.selectors import channels, compliance, funnel
from salesop.leads.models import ChannelSpend, Lead
from salesop.monitor.jobs import NIGHTLY

from .conftest import at

pytestmark = pytest.mark.django_db
OCTOBER = month_period(2026, 10)


@pytest.fixture
def refreshed(org, october, loose_grading):
    spent = make_channel("百度推广")
    ChannelSpend.objects.create(channel=spent, month=OCTOBER.start, amount=Decimal("30000"))
    Lead.objects.filter(owner=org.rep, created_at__gte=at(1)).update(channel=spent)
    return aggregates.refresh(date(2025, 1, 1), date(2026, 10, 31))


def test_aggregates_match_the_live_reports(org, refreshed):
    assert CohortMonth.objects.exists()
    for user in (org.ops, org.manager, org.rep, org.outsider):
        for period in (OCTOBER, OCTOBER.previous(), OCTOBER.year_before()):
            live = funnel(user, period, source="live")
            assert funnel(user, period, source="aggregates") == live, (user, period)
        live = channels(user, OCTOBER, source="live")
        assert channels(user, OCTOBER, source="aggregates") == live, user
        total_live, cards_live = compliance(user, OCTOBER, source="live")
        total, cards = compliance(user, OCTOBER, source="aggregates")
        assert total.measures == total_live.measures and total.score == total_live.score
        assert [(c.owner, c.score) for c in cards] == [(c.owner, c.score) for c in cards_live]


def test_reports_read_the_aggregates_for_covered_past_periods(org, refreshed):
    assert aggregates.covers(OCTOBER)
    assert not aggregates.covers(month_period(2026, 11))  # today is in it
    assert not aggregates.covers(OCTOBER, Filters(industry="物流"))  # not aggregated
    # A lead added after the refresh shows live, not in the aggregates, until the next one.
    Lead.objects.create(
        owner=org.rep,
        team=org.rep.team,
        channel=make_channel(),
        company_name="迟到的线索",
        created_at=at(15),
    )
    assert funnel(org.rep, OCTOBER)[0].count == funnel(org.rep, OCTOBER, source="live")[0].count - 1
    aggregates.refresh(OCTOBER.start, OCTOBER.end)
    assert funnel(org.rep, OCTOBER)[0].count == funnel(org.rep, OCTOBER, source="live")[0].count


def test_the_nightly_job_refreshes_the_last_thirteen_months(org):
    with time_machine.travel(datetime(2026, 11, 27, 3, tzinfo=ZoneInfo("Asia/Shanghai"))):
        NIGHTLY["insights_aggregates"]()
        # read on the same day: whether a month is over depends on the clock
        assert not aggregates.covers(month_period(2026, 11))  # not over yet
        assert aggregates.covers(month_period(2025, 10))
    run = AggregateRun.objects.get()
    assert (run.start, run.end) == (date(2025, 10, 1), date(2026, 11, 30))


def test_a_month_reads_the_aggregates_only_from_a_refresh_made_after_it_ended(org):
    # The nightly job of 27 November refreshes through the end of November, but a lead that
    # came in on the 30th is not in it: until a refresh runs after the month is over (the worker
    # was down, or it is 00:30 on 1 December and the job runs at 02:30), November is counted
    # live, not from aggregates that miss its last days.
    shanghai = ZoneInfo("Asia/Shanghai")
    november = month_period(2026, 11)
    with time_machine.travel(datetime(2026, 11, 27, 3, tzinfo=shanghai)):
        NIGHTLY["insights_aggregates"]()
    Lead.objects.create(
        owner=org.rep,
        team=org.rep.team,
        channel=make_channel(),
        company_name="月末最后一条线索",
        created_at=datetime(2026, 11, 30, 20, tzinfo=shanghai),
    )
    with time_machine.travel(datetime(2026, 12, 1, 0, 30, tzinfo=shanghai)):
        assert not aggregates.covers(november)
        assert funnel(org.rep, november)[0].count == 1
        NIGHTLY["insights_aggregates"]()
        assert aggregates.covers(november)
        assert funnel(org.rep, november)[0].count == 1
