"""The channel report (渠道效果): per channel and month, the leads it brought, how good they
were (share graded A, conversion to won), the revenue they became, what the channel cost, cost
per lead, acquisition cost per won customer and ROI; and which channels to shift spend to and
from, with both quality and cost as the reason."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from salesop.accounts.models import User
from salesop.core.time import company_zone
from salesop.deals.models import DealStatus
from salesop.insights.models import CohortMonth
from salesop.insights.rules import Period, bounds, months_to, rate
from salesop.leads.models import ChannelSpend, Lead

# A channel with fewer leads than this over the window is not judged.
MIN_LEADS = 10
WINDOW_MONTHS = 6
CENT = Decimal("0.01")


@dataclass
class ChannelFigures:
    channel_id: int
    name: str
    leads: int = 0
    graded_a: int = 0
    won: int = 0
    revenue: Decimal = Decimal("0")
    spend: Decimal = Decimal("0")
    months: dict[date, "ChannelFigures"] = field(default_factory=dict)

    @property
    def a_share(self) -> Decimal | None:
        return rate(self.graded_a, self.leads)

    @property
    def conversion(self) -> Decimal | None:
        return rate(self.won, self.leads)

    @property
    def cost_per_lead(self) -> Decimal | None:
        return (self.spend / self.leads).quantize(CENT, ROUND_HALF_UP) if self.leads else None

    @property
    def cost_per_win(self) -> Decimal | None:
        return (self.spend / self.won).quantize(CENT, ROUND_HALF_UP) if self.won else None

    @property
    def roi(self) -> Decimal | None:
        """(revenue - spend) / spend, in percent; None without spend."""
        if not self.spend:
            return None
        return ((self.revenue - self.spend) * 100 / self.spend).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )


@dataclass(frozen=True)
class Shift:
    to: ChannelFigures
    away: ChannelFigures


@dataclass(frozen=True)
class ChannelReport:
    window: Period
    currency: str
    channels: list[ChannelFigures]
    shift: Shift | None
    # Won deals in another currency: not converted, left out of revenue (and said so).
    other_currency_wins: int


def _live(cohort: QuerySet, window: Period, currency: str) -> tuple[list[dict], dict]:
    """Per channel and month, the cohort's leads, A leads, wins and won revenue; and every
    lead per channel and month (for attributing spend)."""
    won_here = Q(deal__status=DealStatus.WON, deal__currency=currency)
    rows = (
        cohort.annotate(month=TruncMonth("created_at", tzinfo=company_zone()))
        .values("channel_id", "channel__name", "month")
        .annotate(
            n=Count("id"),
            a=Count("id", filter=Q(grade="A")),
            won=Count("id", filter=Q(deal__status=DealStatus.WON)),
            revenue=Coalesce(
                Sum("deal__amount", filter=won_here),
                Value(Decimal("0")),
                output_field=DecimalField(max_digits=16, decimal_places=2),
            ),
        )
        .order_by()
    )
    start, end = bounds(window)
    everyone = (
        Lead.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(month=TruncMonth("created_at", tzinfo=company_zone()))
        .values("channel_id", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    return list(rows), {(r["channel_id"], _day(r["month"])): r["n"] for r in everyone}


def _aggregated(rows: QuerySet, window: Period) -> tuple[list[dict], dict]:
    """The same from the daily aggregates (`rows`: the user's CohortDay rows)."""
    grouped = (
        rows.filter(step__in=["leads", "won_status"])
        .values("channel_id", "channel__name", "month")
        .annotate(
            n=Coalesce(Sum("count", filter=Q(step="leads")), 0),
            a=Coalesce(Sum("count", filter=Q(step="leads", grade="A")), 0),
            won=Coalesce(Sum("count", filter=Q(step="won_status")), 0),
            revenue=Coalesce(
                Sum("revenue", filter=Q(step="won_status")),
                Value(Decimal("0")),
                output_field=DecimalField(max_digits=16, decimal_places=2),
            ),
        )
        .order_by()
    )
    everyone = (
        CohortMonth.objects.filter(step="leads", month__gte=window.start, month__lte=window.end)
        .values("channel_id", "month")
        .annotate(n=Sum("count"))
        .order_by()
    )
    return (
        [r for r in grouped if r["n"]],
        {(r["channel_id"], _day(r["month"])): r["n"] for r in everyone},
    )


def channel_report(user: User, period: Period, leads, aggregate_rows=None) -> ChannelReport:
    """Leads created in the six months to the period's end, per channel and month (`leads`:
    the report's cohort queryset builder, called with a period; `aggregate_rows`, when given,
    the same from the daily aggregates). Spend is the channel's recorded monthly spend,
    attributed to what the user sees by its share of the channel's leads that month (all of
    it for sales ops without filters)."""
    window = months_to(period, WINDOW_MONTHS)
    currency = settings.REPORT_CURRENCY
    if aggregate_rows is None:
        cohort = leads(window)
        rows, all_leads = _live(cohort, window, currency)
        other = cohort.filter(deal__status=DealStatus.WON).exclude(deal__currency=currency)
        other = other.count()
    else:
        aggregated = aggregate_rows(window)
        rows, all_leads = _aggregated(aggregated, window)
        other = aggregated.filter(step="won_other_currency").aggregate(n=Sum("count"))["n"] or 0
    spend = defaultdict(Decimal)
    for s in ChannelSpend.objects.filter(
        month__gte=window.start, month__lte=window.end, currency=currency
    ).values("channel_id", "month", "amount"):
        spend[(s["channel_id"], s["month"])] += s["amount"]
    figures: dict[int, ChannelFigures] = {}
    for r in rows:
        month = _day(r["month"])
        total = figures.setdefault(
            r["channel_id"], ChannelFigures(r["channel_id"], r["channel__name"])
        )
        share = Decimal(r["n"]) / all_leads.get((r["channel_id"], month), r["n"])
        cost = (spend[(r["channel_id"], month)] * share).quantize(CENT, ROUND_HALF_UP)
        total.months[month] = ChannelFigures(
            r["channel_id"], r["channel__name"], r["n"], r["a"], r["won"], r["revenue"], cost
        )
        total.leads += r["n"]
        total.graded_a += r["a"]
        total.won += r["won"]
        total.revenue += r["revenue"]
        total.spend += cost
    channels = sorted(figures.values(), key=lambda c: (-c.leads, c.name))
    return ChannelReport(window, currency, channels, _shift(channels), other)


def _shift(channels: list[ChannelFigures]) -> Shift | None:
    """From the paid channel with the lowest ROI to the one with the highest, among paid
    channels with enough leads to judge; ties broken by the share graded A. None when fewer
    than two qualify or they do not differ."""
    judged = [c for c in channels if c.spend and c.leads >= MIN_LEADS]
    if len(judged) < 2:
        return None
    ranked = sorted(judged, key=lambda c: (c.roi, c.a_share or 0))
    away, to = ranked[0], ranked[-1]
    if (away.roi, away.a_share) == (to.roi, to.a_share):
        return None
    return Shift(to=to, away=away)


def _day(value) -> date:
    return value.date() if hasattr(value, "date") else value
