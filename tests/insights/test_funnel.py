"""The funnel and stage dwell times on a data set whose answers are known in advance: ten
leads created in October 2026 by the rep, eight contacted, five qualified, four deals, one
won; a planted bottleneck in the solution stage; another team's lead that must not count
(the `october` fixture in conftest.py)."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from salesop.insights.rules import Period, funnel_steps, month_period, percentile
from salesop.insights.selectors import cohorts, cycle_times, durations, funnel, slowest

OCTOBER = month_period(2026, 10)

pytestmark = pytest.mark.django_db


def test_funnel_counts_and_conversions(org, october):
    steps = {s.key: s for s in funnel(org.rep, OCTOBER)}
    assert [(k, s.count) for k, s in steps.items()] == [
        ("leads", 10),
        ("contacted", 8),
        ("qualified", 5),
        ("discovery", 4),
        ("solution", 3),
        ("negotiation", 2),
        ("contracting", 2),
        ("won", 1),
    ]
    assert steps["contacted"].step_rate == Decimal("80.0")
    assert steps["qualified"].step_rate == Decimal("62.5")
    assert steps["negotiation"].step_rate == Decimal("66.7")
    assert steps["won"].step_rate == Decimal("50.0")
    assert steps["won"].overall_rate == Decimal("10.0")
    assert steps["solution"].dropped == 1


def test_previous_period_and_last_year_are_computed_the_same_way(org, october):
    assert OCTOBER.previous() == month_period(2026, 9)
    assert funnel(org.rep, OCTOBER.previous())[0].count == 1
    last_year = funnel(org.rep, OCTOBER.year_before())
    assert (last_year[0].count, last_year[1].count) == (1, 1)


def test_sales_ops_see_every_team_and_a_period_without_data_divides_by_nothing(org, october):
    assert funnel(org.ops, OCTOBER)[0].count == 11
    empty = funnel(org.rep, month_period(2026, 3))
    assert all(s.count == 0 for s in empty)
    assert all(s.step_rate is None and s.overall_rate is None for s in empty)


def test_dwell_times_name_the_planted_bottleneck(org, october):
    dwells = {d.stage: d for d in cycle_times(org.rep, OCTOBER)}
    assert (dwells["discovery"].moves, dwells["discovery"].median_days) == (3, 4.0)
    assert dwells["discovery"].p90_days == 5.6
    assert (dwells["solution"].median_days, dwells["solution"].limit_days) == (30.0, 21)
    assert dwells["solution"].over_limit
    assert slowest(list(dwells.values())).stage == "solution"


def test_rules():
    assert percentile([], 50) is None
    assert percentile([2, 4, 6], 75) == 5.0
    steps = funnel_steps([("a", "A", 0), ("b", "B", 0)])
    assert steps[1].step_rate is None and steps[1].dropped == 0
    assert Period(month_period(2026, 3).start, month_period(2026, 3).end).previous() == (
        month_period(2026, 2)
    )
    leap = month_period(2028, 2)
    assert leap.year_before().end.day == 28


def test_dashboard_page_filters_and_export(client, org, october):
    client.force_login(org.rep)
    page = client.get("/insights/?month=2026-10").content.decode()
    assert 'data-testid="step-won"' in page and 'data-testid="slowest"' in page
    assert "<" not in page.split("<title>")[1].split("</title>")[0]
    assert page.count('data-testid="cohorts"') == page.count('data-testid="durations"') == 1
    assert client.get(f"/insights/?month=2026-10&team={org.rep.team_id}").status_code == 200
    filtered = client.get("/insights/?month=2026-10&industry=物流&仓储").content.decode()
    assert "industry=%E7%89%A9%E6%B5%81" in filtered  # the filter kept in links, encoded
    assert client.get(f"/insights/?team={org.outsider.team_id}").status_code == 404
    future = client.get("/insights/?month=2099-01").content.decode()
    assert "2099-01" in future and "alert-warning" in future
    export = client.get("/insights/?month=2026-10&format=xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:2] == (rows[1][0], 10) and rows[-1][1] == 1


def test_cohorts_say_where_each_months_leads_are_now(org, october):
    states, months = cohorts(org.rep, OCTOBER)
    assert [key for key, _label in states][:2] == ["lead", "disqualified"]
    october_row = next(c for c in months if c.month == OCTOBER.start)
    # Ten leads: six still leads, four became deals now in discovery, solution, contracting
    # and won.
    assert october_row.leads == 10
    assert october_row.states == {
        "lead": 6,
        "discovery": 1,
        "solution": 1,
        "contracting": 1,
        "won": 1,
    }
    assert [c.month.month for c in months] == [10, 9]


def test_how_long_the_timed_steps_took(org, october):
    by_key = {d.key: d for d in durations(org.rep, OCTOBER)}
    # The won deal: its lead came in on 1 October, the deal opened on the 10th, won on the 30th.
    assert (by_key["lead_to_won"].count, by_key["lead_to_won"].median) == (1, 29.0)
    assert by_key["signing_cycle"].median == 20.0
    # Eight leads contacted, each three hours after arriving.
    assert (by_key["first_contact"].count, by_key["first_contact"].median) == (8, 3.0)
    assert by_key["legal_review"].count == 0 and by_key["legal_review"].median is None
