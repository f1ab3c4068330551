"""Why deals and customers are lost, and what customers say (输单与流失原因, 客户反馈): Pareto
tables of lost-deal reasons (with the stage lost at and the competitor), churn reasons, the
win rate after each objection category, and survey scores and comment themes per SOP step."""

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salesop.aftersales.models import Churn, Survey, SurveyTrigger
from salesop.deals.models import (
    DealObjection,
    DealStatus,
    ObjectionCategory,
    StageEvent,
    StageEventKind,
)
from salesop.insights.rules import Period, bounds, rate
from salesop.playbook.selectors import active_playbook


@dataclass(frozen=True)
class Bar:
    """One bar of a Pareto chart: a cause, how often, its share and the running share."""

    key: str
    label: str
    count: int
    share: Decimal | None
    cumulative: Decimal | None


def pareto(counts: Counter, labels: dict[str, str]) -> list[Bar]:
    """Causes most frequent first (ties by label), each with its share of the total and the
    cumulative share so far."""
    total = sum(counts.values())
    bars, running = [], 0
    for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], labels.get(kv[0], kv[0]))):
        running += count
        bars.append(
            Bar(key, labels.get(key, key) or "—", count, rate(count, total), rate(running, total))
        )
    return bars


@dataclass(frozen=True)
class ObjectionOutcome:
    category: str
    label: str
    deals: int
    won: int
    resolved: int

    @property
    def win_rate(self) -> Decimal | None:
        return rate(self.won, self.deals)


@dataclass(frozen=True)
class Feedback:
    trigger: str
    label: str
    answers: int
    nps: Decimal | None  # promoters % minus detractors %
    csat: Decimal | None  # mean, 1-5


@dataclass(frozen=True)
class Losses:
    lost_deals: int
    reasons: list[Bar]
    stages: list[Bar]
    competitors: list[Bar]
    churns: int
    churn_reasons: list[Bar]
    churn_competitors: list[Bar]
    objections: list[ObjectionOutcome]
    overall_win_rate: Decimal | None
    feedback: list[Feedback]
    themes: list[tuple[str, int]]


def losses(period: Period, deals: QuerySet, accounts: QuerySet) -> Losses:
    """`deals` and `accounts`: the deals and companies (for churns and survey answers) the
    report covers, visible to the user and filtered."""
    playbook = active_playbook()
    language = get_language() or "zh-hans"
    start, end = bounds(period)
    closed = deals.filter(closed_at__gte=start, closed_at__lt=end)
    lost = list(
        StageEvent.objects.filter(
            deal__in=deals.values("pk"), kind=StageEventKind.LOST, at__gte=start, at__lt=end
        ).values_list("reason", "deal__lost_to", "from_stage")
    )
    reason_labels = {r.key: r.label.get(language) for r in playbook.lost_reasons}
    reason_labels[""] = _("not recorded")  # history imported without a reason
    stage_labels = {s.key: s.label.get(language) for s in playbook.stages}
    accounts = accounts.values("pk")
    churn_rows = list(
        Churn.objects.filter(account__in=accounts, at__gte=start, at__lt=end).values_list(
            "reason", "competitor"
        )
    )
    churn_labels = {r.key: r.label.get(language) for r in playbook.churn_reasons}
    return Losses(
        lost_deals=len(lost),
        reasons=pareto(Counter(r for r, _to, _s in lost), reason_labels),
        stages=pareto(Counter(s for _r, _to, s in lost), stage_labels),
        competitors=pareto(Counter(to.strip() for _r, to, _s in lost if to.strip()), {}),
        churns=len(churn_rows),
        churn_reasons=pareto(Counter(r for r, _c in churn_rows), churn_labels),
        churn_competitors=pareto(Counter(c.strip() for _r, c in churn_rows if c.strip()), {}),
        objections=_objections(closed),
        overall_win_rate=rate(
            closed.filter(status=DealStatus.WON).count(),
            closed.filter(status__in=[DealStatus.WON, DealStatus.LOST]).count(),
        ),
        feedback=_feedback(accounts, start, end),
        themes=_themes(accounts, start, end),
    )


def _objections(closed: QuerySet) -> list[ObjectionOutcome]:
    """Per objection category, the deals closed in the period that raised it, how many were
    won and how many had it resolved."""
    rows = (
        DealObjection.objects.filter(deal__in=closed.values("pk"))
        .values("category")
        .annotate(
            deals=Count("deal", distinct=True),
            won=Count("deal", distinct=True, filter=Q(deal__status=DealStatus.WON)),
            resolved=Count("deal", distinct=True, filter=Q(resolved=True)),
        )
        .order_by()
    )
    labels = dict(ObjectionCategory.choices)
    result = [
        ObjectionOutcome(
            r["category"],
            str(labels.get(r["category"], r["category"])),
            r["deals"],
            r["won"],
            r["resolved"],
        )
        for r in rows
    ]
    return sorted(result, key=lambda o: (-o.deals, o.label))


def _feedback(accounts, start, end) -> list[Feedback]:
    answered = Survey.objects.filter(
        account__in=accounts, answered_at__gte=start, answered_at__lt=end
    )
    rows = answered.values("trigger").annotate(
        n=Count("id"),
        scored=Count("id", filter=Q(nps__isnull=False)),
        promoters=Count("id", filter=Q(nps__gte=9)),
        detractors=Count("id", filter=Q(nps__lte=6)),
        csat=Avg("csat"),
    )
    by_trigger = {r["trigger"]: r for r in rows.order_by()}
    result = []
    for trigger, label in SurveyTrigger.choices:
        r = by_trigger.get(trigger)
        if r is None:
            continue
        nps = None
        if r["scored"]:
            nps = (Decimal(r["promoters"] - r["detractors"]) * 100 / Decimal(r["scored"])).quantize(
                Decimal("0.1")
            )
        csat = Decimal(str(r["csat"])).quantize(Decimal("0.01")) if r["csat"] is not None else None
        result.append(Feedback(trigger, str(label), r["n"], nps, csat))
    return result


def _themes(accounts, start, end, limit: int = 10) -> list[tuple[str, int]]:
    """The keywords that come back most often across the period's survey comments (each
    comment counts a keyword once)."""
    from salesop.deals.discovery.rules import extract_keywords

    comments = Survey.objects.filter(
        account__in=accounts, answered_at__gte=start, answered_at__lt=end
    ).exclude(comment="")
    counted = Counter()
    for comment in comments.values_list("comment", flat=True):
        counted.update({term for term, _weight in extract_keywords(comment, limit=5)})
    return sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
