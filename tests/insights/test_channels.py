"""The channel report on a hand-checkable data set (window May to October 2026, in CNY):

    Baidu ads   October: the rep's 20 leads (4 graded A, 2 won at 100,000) and another
                team's 5; spend 50,000
    Trade show  September: 10 leads (1 A, none won); spend 40,000
    Referral    October: 5 leads (3 A, 1 won at 80,000); no spend

For sales ops Baidu costs 2,000 a lead, 25,000 a win, ROI 300%; the trade show 4,000 a lead,
no win, ROI -100%: shift spend from the trade show to Baidu. The rep sees 20/25 of Baidu's
October spend (40,000) against their own leads."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from salesop.core.testing import make_account
from salesop.deals.models import Deal, DealStatus
from salesop.insights.rules import month_period, months_to
from salesop.insights.selectors import channels
from salesop.leads.models import Channel, ChannelSpend, Lead
from salesop.playbook.models import PlaybookVersion

from .conftest import at

pytestmark = pytest.mark.django_db
OCTOBER = month_period(2026, 10)


@pytest.fixture
def planted(org):
    baidu = Channel.objects.create(name="百度推广", category="online", kind="search_ads")
    show = Channel.objects.create(name="Trade show", category="offline", kind="trade_show")
    referral = Channel.objects.create(name="转介绍", category="internal", kind="referral")
    ChannelSpend.objects.create(channel=baidu, month=OCTOBER.start, amount=Decimal("50000"))
    ChannelSpend.objects.create(channel=show, month=month_period(2026, 9).start, amount=40000)
    ChannelSpend.objects.create(
        channel=show, month=month_period(2026, 9).start, amount=9, currency="USD"
    )  # another currency: not summed
    account = make_account(org.rep)
    version = PlaybookVersion.objects.get(is_active=True)

    def leads(owner, channel, n, a, won, amount, day, month=10):
        for i in range(n):
            row = Lead.objects.create(
                owner=owner,
                team=owner.team,
                channel=channel,
                company_name=f"{channel} {i}",
                grade="A" if i < a else "B",
                created_at=at(day, month),
            )
            if i < won:
                deal = Deal.objects.create(
                    owner=owner,
                    team=owner.team,
                    account=account,
                    name=row.company_name,
                    stage="won",
                    status=DealStatus.WON,
                    amount=amount,
                    playbook_version=version,
                )
                Lead.objects.filter(pk=row.pk).update(deal=deal)

    leads(org.rep, baidu, 20, 4, 2, Decimal("100000"), 5)
    leads(org.outsider, baidu, 5, 0, 0, None, 6)
    leads(org.rep, show, 10, 1, 0, None, 12, month=9)
    leads(org.rep, referral, 5, 3, 1, Decimal("80000"), 20)
    leads(org.rep, baidu, 3, 3, 0, None, 20, month=4)  # April: before the window
    return baidu, show, referral


def test_figures_per_channel_for_sales_ops(org, planted):
    report = channels(org.ops, OCTOBER)
    assert report.window == months_to(OCTOBER, 6) and report.window.start.month == 5
    by_name = {c.name: c for c in report.channels}
    baidu, show, referral = by_name["百度推广"], by_name["Trade show"], by_name["转介绍"]
    assert (baidu.leads, baidu.graded_a, baidu.won) == (25, 4, 2)
    assert baidu.a_share == Decimal("16.0") and baidu.conversion == Decimal("8.0")
    assert (baidu.revenue, baidu.spend) == (Decimal("200000"), Decimal("50000"))
    assert (baidu.cost_per_lead, baidu.cost_per_win, baidu.roi) == (
        Decimal("2000.00"),
        Decimal("25000.00"),
        Decimal("300.0"),
    )
    assert (show.cost_per_lead, show.cost_per_win, show.roi) == (
        Decimal("4000.00"),
        None,
        Decimal("-100.0"),
    )
    assert referral.spend == 0 and referral.roi is None and referral.revenue == 80000
    # Per month: Baidu only in October, the trade show only in September.
    assert list(baidu.months) == [OCTOBER.start]
    assert list(show.months) == [month_period(2026, 9).start]
    assert (report.shift.to.name, report.shift.away.name) == ("百度推广", "Trade show")


def test_spend_is_attributed_by_share_of_the_channels_leads(org, planted):
    baidu = next(c for c in channels(org.rep, OCTOBER).channels if c.name == "百度推广")
    assert (baidu.leads, baidu.spend, baidu.cost_per_lead) == (20, 40000, Decimal("2000.00"))
    assert baidu.roi == Decimal("400.0")


def test_no_data_and_the_page(client, org, planted):
    empty = channels(org.rep, month_period(2025, 1))
    assert empty.channels == [] and empty.shift is None
    client.force_login(org.ops)
    page = client.get("/insights/channels/?month=2026-10").content.decode()
    assert 'data-testid="channel-shift"' in page and "Trade show" in page
    sheet = load_workbook(
        io.BytesIO(client.get("/insights/channels/?month=2026-10&format=xlsx").content)
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "百度推广" and rows[1][2] == 25 and rows[1][-1] == 300


def test_a_reader_in_another_time_zone_sees_the_companys_months(client, org, planted):
    # A lead taken at 10:00 on 1 October in Shanghai is 30 September's in New York: the
    # report's months are the company's, so October's spend still falls on it.
    webinar = Channel.objects.create(name="Webinar", category="online", kind="webinar")
    ChannelSpend.objects.create(channel=webinar, month=OCTOBER.start, amount=Decimal("10000"))
    Lead.objects.create(
        owner=org.rep, team=org.rep.team, channel=webinar, company_name="W", created_at=at(1)
    )
    org.ops.timezone = "America/New_York"
    org.ops.save(update_fields=["timezone"])
    client.force_login(org.ops)
    sheet = load_workbook(
        io.BytesIO(client.get("/insights/channels/?month=2026-10&format=xlsx").content)
    ).active
    rows = [r for r in sheet.iter_rows(values_only=True) if r[0] == "Webinar"]
    # name, month, leads, A share, won, conversion, revenue, spend, cost per lead: all months,
    # then October's (not September's)
    assert [(r[1], r[2], r[7], r[8]) for r in rows][1:] == [("2026-10", 1, 10000, 10000)]
    assert (rows[0][2], rows[0][7]) == (1, 10000)
