"""Grading calibration on a planted, hand-checkable data set: the playbook grades A from 75
points, but leads scoring 80 win like B leads. Decided leads of the year to October 2026:

    score 90: 10 leads, 6 won      score 60: 20 leads, 4 won
    score 80: 20 leads, 2 won      score 30: 10 leads, 0 won

Now A (>= 75) wins 8/30 = 26.7% (Wilson 95% from 14.2%), B wins 4/20 = 20.0%: A is not clearly
above B, screening too loose. Moving A to 85 gives A 6/10 = 60.0%, B 6/40 = 15.0%, C 0/10."""

import pytest

from salesop.core.errors import DomainError
from salesop.insights.calibration import propose, rates, verdict, wilson
from salesop.insights.rules import month_period
from salesop.insights.selectors import grading
from salesop.insights.services import grading_apply
from salesop.playbook.models import PlaybookVersion
from salesop.playbook.selectors import active_playbook

pytestmark = pytest.mark.django_db
OCTOBER = month_period(2026, 10)


def test_win_rates_with_intervals_and_the_too_loose_verdict(org, loose_grading):
    result = grading(org.rep, OCTOBER)
    a, b, c = result.rates["A"], result.rates["B"], result.rates["C"]
    assert (a.decided, a.won, a.rate) == (30, 8, 26.7)
    assert (b.decided, b.won, b.rate) == (20, 4, 20.0)
    assert (c.decided, c.won) == (10, 0)
    assert (a.low, a.high) == (14.2, 44.4)
    assert result.verdict == "too_loose"


def test_the_proposal_separates_winners_and_shows_its_effect(org, loose_grading):
    result = grading(org.rep, OCTOBER)
    assert (result.proposal.a, result.proposal.b) == (85, 50)
    proposed = result.proposal.rates
    assert (proposed["A"].rate, proposed["B"].rate, proposed["C"].rate) == (60.0, 15.0, 0.0)
    assert verdict(proposed) == "ok"
    # Every scored lead of the window, the open one included, regraded.
    assert result.shares_now == {"A": 31, "B": 20, "C": 10}
    assert result.shares_proposed == {"A": 11, "B": 40, "C": 10}


def test_icp_fit_bands(org, loose_grading):
    bands = dict(grading(org.rep, OCTOBER).fit_bands)
    assert bands["0.75-1.00"].decided == 30 and bands["0.75-1.00"].won == 8
    assert bands["0.00-0.25"].decided == 0
    assert grading(org.rep, OCTOBER).fit_separates is None  # nobody at the bottom


def test_ops_apply_the_proposal_as_the_running_playbook_in_one_click(client, org, loose_grading):
    before = PlaybookVersion.objects.get(is_active=True)
    client.force_login(org.ops)
    page = client.get("/insights/grading/?month=2026-10").content.decode()
    assert 'data-verdict="too_loose"' in page and 'data-testid="grading-apply"' in page
    response = client.post("/insights/grading/apply/?month=2026-10")
    assert response.status_code == 302
    grades = active_playbook().bant.grades
    assert (grades.a, grades.b) == (85, 50)
    version = PlaybookVersion.objects.get(is_active=True)
    # The evidence, over every team (the other team's disqualified 90-point lead counts too).
    assert version.pk != before.pk
    assert "75 -> 85" in version.comment and "25.8% -> 54.5%" in version.comment
    # Only the thresholds changed: the rest of the text, comments included, is as it was.
    changed = [
        (old, new)
        for old, new in zip(before.text.splitlines(), version.text.splitlines(), strict=True)
        if old != new
    ]
    comment = "   # A: high intent, high fit; B: potential; C: to be nurtured"
    assert changed == [("  grades: {a: 75, b: 50}" + comment, "  grades: {a: 85, b: 50}" + comment)]
    # Applied: nothing more to propose.
    assert grading(org.ops, OCTOBER).proposal is None


def test_only_sales_ops_may_apply_and_no_proposal_is_refused(client, org, loose_grading):
    client.force_login(org.manager)
    page = client.get("/insights/grading/?month=2026-10").content.decode()
    assert 'data-testid="grading-apply"' not in page
    client.post("/insights/grading/apply/?month=2026-10")
    assert active_playbook().bant.grades.a == 75
    with pytest.raises(DomainError) as refused:
        grading_apply(by=org.ops, period=month_period(2025, 1))
    assert refused.value.code == "no_proposal"


def test_calibration_rules():
    assert wilson(0, 0) == (None, None)
    assert wilson(0, 10) == (0.0, 27.8)
    assert wilson(10, 10) == (72.2, 100.0)
    few = rates([(90, True)] * 5 + [(60, False)] * 5, 75, 50)
    assert verdict(few) == "insufficient"
    strict = rates(
        [(90, True)] * 8
        + [(90, False)] * 2
        + [(60, True)] * 3
        + [(60, False)] * 7
        + [(30, True)] * 2
        + [(30, False)] * 8,
        75,
        50,
    )
    assert verdict(strict) == "too_strict"
    assert propose([(90, True)] * 3, (75, 50)) is None
