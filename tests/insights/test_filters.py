"""Every report filter narrows every figure it shows (issue 29: industry=retail returned the
whole month's won and lost deals). Generated: for each endpoint under /api/v1/insights/ and
each filter, two worlds alike in everything but that filter's value (a lead graded and
contacted, a won and a lost deal with their stage moves, objections, a ticket, a revisit, a
churn and a survey answer); every count the answer shows that the data set fills must differ
between the filtered and the whole answer, unless the answer marks the figure as not narrowed
by that filter (`not_narrowed`), and the pages say so next to the figure.

Counts, not ratios: a rate, share, median or score is computed from the rows the counts
count, and the two worlds are alike, so their ratios are too."""

from datetime import timedelta
from decimal import Decimal

import pytest

from salesop.aftersales.models import Churn, Revisit, Survey, Ticket
from salesop.core.testing import make_account, make_channel, make_deal
from salesop.deals.models import Deal, DealObjection, StageEvent
from salesop.insights.filters import NOT_NARROWED
from salesop.leads.models import Lead

from .conftest import at, move

pytestmark = pytest.mark.django_db

ENDPOINTS = ["funnel", "channels", "grading", "compliance", "losses", "review"]
PAGES = {
    "/insights/": [],
    "/insights/channels/": [],
    "/insights/grading/": ["grading"],
    "/insights/compliance/": ["tickets", "revisits", "compliance_score"],
    "/insights/losses/": ["churns", "feedback"],
    "/insights/review/": ["compliance_score", "grading", "lapses", "feedback"],
}
# Numbers that are settings or ids, not figures.
NOT_FIGURES = {"limit_days", "current_a", "current_b", "proposed_a", "proposed_b", "user_id"}
NOT_FIGURES |= {"channel_id"}
# Ratios (see the module docstring).
RATIOS = ("rate", "pct", "share", "score", "nps", "csat", "median", "p75", "p90", "roi")
RATIOS += ("cost_per", "conversion", "low", "high", "cumulative", "separates")
# Headline rows that are ratios.
RATIO_ROWS = ("headline[win_rate]", "headline[compliance]")
# Counts broken down by a filter's own value: graded_a is what grade=A keeps whole.
OWN = {"graded_a": "grade"}
# Which figure of `not_narrowed` a path belongs to.
FIGURE_OF = {
    "measures[tickets]": "tickets",
    "measures[revisits]": "revisits",
    "churn": "churns",
    "feedback": "feedback",
    "themes": "feedback",
    "grading": "grading",
    "rates[": "grading",
}
# Lists broken down by the filter's own dimension: summed over their rows, since the row of
# the value asked is the same filtered or not.
BREAKDOWNS = {"people": ("owner", "team"), "channels": ("channel",)}


def world(tag, *, owner, channel, industry, grade):
    """A month of work in one corner of the company: a lead won and a lead lost, and what
    after-sales did for the company."""
    account = make_account(owner, name=f"{tag} 公司", industry=industry)
    for outcome in ("won", "lost"):
        deal = make_deal(owner, account, name=f"{tag} {outcome}", amount=Decimal("1000"))
        deal.stage_events.update(at=at(3))
        Lead.objects.create(
            owner=owner,
            team=owner.team,
            channel=channel,
            industry=industry,
            grade=grade,
            score=80,
            company_name=f"{tag} {outcome}",
            created_at=at(2),
            first_contacted_at=at(2) + timedelta(hours=3),
            status="converted",
            deal=deal,
        )
        move(deal, "solution", at(10), 7)
        move(deal, outcome, at(20), 10, kind=outcome)
        Deal.objects.filter(pk=deal.pk).update(
            status=outcome, stage=outcome, closed_at=at(20), lost_to="用友" * (outcome == "lost")
        )
        DealObjection.objects.create(deal=deal, category="price", customer_words="太贵了")
    StageEvent.objects.filter(deal__account=account, kind="lost").update(reason="price")
    Ticket.objects.create(
        owner=owner,
        team=owner.team,
        account=account,
        channel="phone",
        severity="normal",
        title=f"{tag} 无法登录",
        description="…",
        opened_at=at(5),
        first_response_due_at=at(6),
        responded_at=at(5) + timedelta(hours=1),
        direction_due_at=at(7),
        direction_at=at(6),
    )
    Revisit.objects.create(
        account=account, owner=owner, due_on=at(10).date(), status="done", done_on=at(9).date()
    )
    Churn.objects.create(account=account, reason="price", competitor="用友", by=owner, at=at(25))
    Survey.objects.create(
        account=account,
        trigger="ticket",
        token_hash=f"{tag}-survey",
        sent_by=owner,
        sent_at=at(10),
        expires_at=at(24),
        answered_at=at(11),
        nps=9,
        csat=5,
        comment="响应很快，实施周期太长",
    )


def worlds(org, name):
    """The world the filter asks for and one differing only in the filter's value; the
    query parameter asking for the first."""
    base = {
        "owner": org.rep,
        "channel": make_channel(),
        "industry": "retail",
        "grade": "A",
    }
    other = {
        "team": {"owner": org.outsider},
        "owner": {"owner": org.teammate},
        "channel": {"channel": make_channel("展会 Trade show", "trade_show", "offline")},
        "industry": {"industry": "manufacturing"},
        "grade": {"grade": "B"},
    }[name]
    world("in", **base)
    world("out", **{**base, **other})
    return {
        "team": f"team_id={org.shanghai.pk}",
        "owner": f"owner_id={org.rep.pk}",
        "channel": f"channel_id={base['channel'].pk}",
        "industry": "industry=retail",
        "grade": "grade=A",
    }[name]


def counts(answer, name, path=""):
    """Path -> count of every count the answer shows (lists keyed by their row's key)."""
    found = {}
    if isinstance(answer, dict):
        for key, value in answer.items():
            scalar = not isinstance(value, dict | list)
            if key in NOT_FIGURES or key == "not_narrowed" or scalar and key.startswith(RATIOS):
                continue
            if OWN.get(key) == name:
                continue
            found |= counts(value, name, f"{path}.{key}" if path else key)
    elif isinstance(answer, list):
        summed = name in BREAKDOWNS.get(path.rsplit(".", 1)[-1], ())
        for i, row in enumerate(answer):
            key = "*" if summed else i
            if isinstance(row, dict):
                key = (
                    "*"
                    if summed
                    else next(
                        (
                            row[k]
                            for k in (
                                "key",
                                "measure",
                                "grade",
                                "category",
                                "trigger",
                                "term",
                                "stage",
                                "user_id",
                                "channel_id",
                            )
                            if k in row
                        ),
                        i,
                    )
                )
            for sub, n in counts(row, name, f"{path}[{key}]").items():
                found[sub] = found.get(sub, 0) + n
    elif isinstance(answer, bool) or answer is None:
        pass
    elif isinstance(answer, int | float):
        found[path] = answer
    elif isinstance(answer, str) and path.endswith(("revenue", "spend", ".now", ".before")):
        found[path] = Decimal(answer)
    return found


def marked(path, not_narrowed, name):
    figures = {figure for part, figure in FIGURE_OF.items() if part in path}
    if path.startswith("total.score") or path.endswith("[compliance].now"):
        figures.add("compliance_score")
    return any(name in not_narrowed.get(figure, []) for figure in figures)


@pytest.mark.parametrize("name", ["team", "owner", "channel", "industry", "grade"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_filter_narrows_every_figure(client, org, endpoint, name):
    query = worlds(org, name)
    client.force_login(org.ops)
    url = f"/api/v1/insights/{endpoint}?month=2026-10"
    whole = client.get(url).json()
    narrowed = client.get(f"{url}&{query}").json()
    assert whole["not_narrowed"] == {}
    everything, filtered = counts(whole, name), counts(narrowed, name)
    shown = {path for path, n in everything.items() if n and not path.startswith(RATIO_ROWS)}
    assert shown, "the data set fills none of the answer's figures"
    same = [
        path
        for path in sorted(shown)
        if filtered.get(path, 0) == everything[path]
        and not marked(path, narrowed["not_narrowed"], name)
    ]
    assert same == [], f"{endpoint}?{query}: not narrowed and not marked so"


def test_the_data_set_fills_the_figures_that_matter(client, org):
    """The generated test above is only as good as what the worlds fill: the deal figures
    behind the issue, and each after-sales figure."""
    worlds(org, "industry")
    client.force_login(org.ops)
    answers = {
        e: counts(client.get(f"/api/v1/insights/{e}?month=2026-10").json(), "") for e in ENDPOINTS
    }
    assert answers["compliance"]["total.won"] == 2 and answers["compliance"]["total.lost"] == 2
    assert answers["losses"]["lost_deals"] == 2 and answers["losses"]["churns"] == 2
    assert answers["losses"]["objections[price].deals"] == 4
    assert answers["losses"]["feedback[ticket].answers"] == 2
    for measure, n in {"lead_followup": 4, "checklist": 6, "tickets": 2, "revisits": 2}.items():
        assert answers["compliance"][f"total.measures[{measure}].total"] == n, measure
    assert answers["funnel"]["dwell[solution].moves"] == 4
    assert answers["funnel"]["durations[signing_cycle].count"] == 2
    assert answers["grading"]["rates[A].decided"] == 4
    assert sum(v for k, v in answers["channels"].items() if k.endswith(".leads")) == 4


@pytest.mark.parametrize("name", ["team", "owner", "channel", "industry", "grade"])
def test_pages_say_which_figures_a_filter_does_not_narrow(client, org, name):
    query = worlds(org, name).replace("_id=", "=")  # the pages' parameter names
    client.force_login(org.ops)
    for page, figures in PAGES.items():
        html = client.get(f"{page}?month=2026-10&{query}").content.decode()
        for figure in figures:
            expected = figure in NOT_NARROWED.get(name, ())
            assert (f'data-testid="not-narrowed-{figure}"' in html) == expected, (page, figure)
        plain = client.get(f"{page}?month=2026-10").content.decode()
        assert "not-narrowed-" not in plain, page
