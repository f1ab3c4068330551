"""The reports over the API: the same figures as the insights pages, for what the caller may
see. A malformed or future month is refused (422, `query.month`); a team or person the caller
cannot see answers 404."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from salesop.core.api import READ_ERRORS, Id
from salesop.core.errors import DomainError
from salesop.core.time import company_today
from salesop.insights import selectors
from salesop.insights.compliance import MEASURES, Card
from salesop.insights.filters import Filters, filters_for, not_narrowed
from salesop.insights.products import won_by_product
from salesop.insights.review import review
from salesop.insights.rules import Period, month_asked
from salesop.leads.models import Grade

router = Router(tags=["insights"])


class ReportQuery(Schema):
    month: str = Field(
        default="",
        pattern=r"^([0-9]{4}-(0[1-9]|1[0-2]))?$",
        description="YYYY-MM, not in the future; default this month",
    )
    team_id: Id | None = None
    owner_id: Id | None = None
    channel_id: Id | None = None
    industry: str = Field(default="", max_length=100)
    grade: Grade | None = None


def _asked(request, query: ReportQuery) -> tuple[Period, Filters]:
    period, problem = month_asked(query.month, company_today())
    if problem:
        message = {
            "format": _("Give the month as YYYY-MM."),
            "early": _("Give a month from 1970 on, not %(month)s.") % {"month": query.month},
        }.get(problem) or _("%(month)s is in the future.") % {"month": query.month}
        raise DomainError("month", message, {"month": message})
    return period, filters_for(
        request.user,
        team_id=query.team_id,
        owner_id=query.owner_id,
        channel_id=query.channel_id,
        industry=query.industry,
        grade=query.grade or "",
    )


NOT_NARROWED = Field(
    default_factory=dict,
    description="Per figure of this answer, the filters asked that do not narrow it (a "
    "ticket, revisit, churn or survey answer has no lead for channel or grade; an alert no "
    "company or lead; grading judges the grades): tickets, revisits, compliance_score, "
    "churns (churns and their reasons and competitors), feedback (feedback and themes), "
    "grading. Every other figure is narrowed by every filter asked.",
)


def _not_narrowed(filters: Filters, *figures: str) -> dict[str, list[str]]:
    found = not_narrowed(filters)
    return {figure: found[figure] for figure in figures if figure in found}


class StepOut(Schema):
    key: str
    label: str
    count: int
    step_rate: Decimal | None
    overall_rate: Decimal | None
    dropped: int


class DwellOut(Schema):
    stage: str
    label: str
    moves: int
    median_days: float | None
    p75_days: float | None
    p90_days: float | None
    limit_days: int | None


class DurationOut(Schema):
    key: str
    label: str
    unit: str
    count: int
    median: float | None
    p75: float | None
    p90: float | None


class FunnelOut(Schema):
    start: date
    end: date
    steps: list[StepOut]
    previous: list[StepOut]
    last_year: list[StepOut]
    dwell: list[DwellOut]
    durations: list[DurationOut]
    not_narrowed: dict[str, list[str]] = NOT_NARROWED


@router.get(
    "/insights/funnel", response={200: FunnelOut, **READ_ERRORS}, operation_id="insights_funnel"
)
def insights_funnel(request, query: Query[ReportQuery]):
    """The month's lead cohort step by step beside the month before and a year before, stage
    dwell against the playbook, and how long the timed SOP steps took."""
    period, filters = _asked(request, query)
    user = request.user
    return {
        "start": period.start,
        "end": period.end,
        "steps": selectors.funnel(user, period, filters),
        "previous": selectors.funnel(user, period.previous(), filters),
        "last_year": selectors.funnel(user, period.year_before(), filters),
        "dwell": selectors.cycle_times(user, period, filters),
        "durations": selectors.durations(user, period, filters),
        "not_narrowed": _not_narrowed(filters),
    }


class ChannelReturnOut(Schema):
    channel_id: Id
    name: str
    leads: int
    graded_a: int
    won: int
    revenue: Decimal
    spend: Decimal
    a_share: Decimal | None
    conversion: Decimal | None
    cost_per_lead: Decimal | None
    cost_per_win: Decimal | None
    roi: Decimal | None


class ChannelsOut(Schema):
    start: date
    end: date
    currency: str
    channels: list[ChannelReturnOut]
    shift_from: str | None
    shift_to: str | None
    not_narrowed: dict[str, list[str]] = NOT_NARROWED


@router.get(
    "/insights/channels",
    response={200: ChannelsOut, **READ_ERRORS},
    operation_id="insights_channels",
)
def insights_channels(request, query: Query[ReportQuery]):
    """Channel return over the six months to the month asked, and where to shift spend."""
    period, filters = _asked(request, query)
    report = selectors.channels(request.user, period, filters)
    return {
        "start": report.window.start,
        "end": report.window.end,
        "currency": report.currency,
        "channels": report.channels,
        "shift_from": report.shift.away.name if report.shift else None,
        "shift_to": report.shift.to.name if report.shift else None,
        "not_narrowed": _not_narrowed(filters),
    }


class GradeRateOut(Schema):
    grade: str
    decided: int
    won: int
    rate: float | None
    low: float | None
    high: float | None


class GradingOut(Schema):
    start: date
    end: date
    current_a: int
    current_b: int
    verdict: str = Field(description="too_loose, too_strict, ok or insufficient")
    rates: list[GradeRateOut]
    proposed_a: int | None
    proposed_b: int | None
    proposed_rates: list[GradeRateOut]
    fit_separates: bool | None
    not_narrowed: dict[str, list[str]] = NOT_NARROWED


@router.get(
    "/insights/grading", response={200: GradingOut, **READ_ERRORS}, operation_id="insights_grading"
)
def insights_grading(request, query: Query[ReportQuery]):
    """Win rate per grade over the year to the month asked, the verdict on the thresholds and
    the proposed ones."""
    period, filters = _asked(request, query)
    g = selectors.grading(request.user, period, filters)
    return {
        "start": g.window.start,
        "end": g.window.end,
        "current_a": g.current[0],
        "current_b": g.current[1],
        "verdict": g.verdict,
        "rates": list(g.rates.values()),
        "proposed_a": g.proposal.a if g.proposal else None,
        "proposed_b": g.proposal.b if g.proposal else None,
        "proposed_rates": list(g.proposal.rates.values()) if g.proposal else [],
        "fit_separates": g.fit_separates,
        "not_narrowed": _not_narrowed(filters, "grading"),
    }


class TallyOut(Schema):
    measure: str
    label: str
    ok: int
    total: int
    pct: Decimal | None


class CardOut(Schema):
    user_id: int | None
    name: str
    score: Decimal | None
    measures: list[TallyOut]
    won: int
    lost: int
    won_revenue: Decimal
    win_rate: Decimal | None


class ComplianceOut(Schema):
    total: CardOut
    people: list[CardOut]
    not_narrowed: dict[str, list[str]] = NOT_NARROWED


def _card(card: Card) -> dict:
    return {
        "user_id": card.owner.pk if card.owner else None,
        "name": str(card.owner) if card.owner else _("Everyone shown"),
        "score": card.score,
        "measures": [
            {"measure": k, "label": str(MEASURES[k]), "ok": t.ok, "total": t.total, "pct": t.pct}
            for k, t in card.measures.items()
        ],
        "won": card.won,
        "lost": card.lost,
        "won_revenue": card.won_revenue,
        "win_rate": card.win_rate,
    }


@router.get(
    "/insights/compliance",
    response={200: ComplianceOut, **READ_ERRORS},
    operation_id="insights_compliance",
)
def insights_compliance(request, query: Query[ReportQuery]):
    """SOP compliance per person and for everyone shown, beside won revenue and win rate."""
    period, filters = _asked(request, query)
    total, cards = selectors.compliance(request.user, period, filters)
    return {
        "total": _card(total),
        "people": [_card(c) for c in cards],
        "not_narrowed": _not_narrowed(filters, "tickets", "revisits", "compliance_score"),
    }


class HeadlineOut(Schema):
    key: str
    label: str
    now: Decimal | None
    before: Decimal | None


class ReviewProposalOut(Schema):
    title: str
    evidence: str
    changes_playbook: bool


class MonthlyReviewOut(Schema):
    start: date
    end: date
    empty: bool
    headline: list[HeadlineOut]
    bottleneck_stage: str | None
    bottleneck: str
    grading_verdict: str
    grading: str
    proposals: list[ReviewProposalOut]
    not_narrowed: dict[str, list[str]] = NOT_NARROWED


@router.get(
    "/insights/review",
    response={200: MonthlyReviewOut, **READ_ERRORS},
    operation_id="insights_review",
)
def insights_review(request, query: Query[ReportQuery]):
    """The monthly SOP review in short: headline figures, the bottleneck, the grading verdict
    and the proposed changes with their evidence."""
    period, filters = _asked(request, query)
    r = review(request.user, period, filters)
    return {
        "start": period.start,
        "end": period.end,
        "empty": r.empty,
        "headline": [
            {"key": h.key, "label": h.label, "now": h.now, "before": h.before} for h in r.headline
        ],
        "bottleneck_stage": r.bottleneck.key if r.bottleneck else None,
        "bottleneck": r.bottleneck_text,
        "grading_verdict": r.grading.verdict,
        "grading": r.grading_text,
        "proposals": [
            {"title": p.title, "evidence": p.evidence, "changes_playbook": bool(p.changes)}
            for p in r.proposals
        ],
        "not_narrowed": _not_narrowed(filters, "compliance_score", "grading", "feedback"),
    }


class BarOut(Schema):
    key: str
    label: str
    count: int
    share: Decimal | None
    cumulative: Decimal | None


class ObjectionOut(Schema):
    category: str
    label: str
    deals: int
    won: int
    resolved: int
    win_rate: Decimal | None


class FeedbackOut(Schema):
    trigger: str
    label: str
    answers: int
    nps: Decimal | None
    csat: Decimal | None


class ThemeOut(Schema):
    term: str
    comments: int


class LossesOut(Schema):
    lost_deals: int
    reasons: list[BarOut]
    stages: list[BarOut]
    competitors: list[BarOut]
    churns: int
    churn_reasons: list[BarOut]
    churn_competitors: list[BarOut]
    objections: list[ObjectionOut]
    overall_win_rate: Decimal | None
    feedback: list[FeedbackOut]
    themes: list[ThemeOut]
    not_narrowed: dict[str, list[str]] = NOT_NARROWED


@router.get(
    "/insights/losses", response={200: LossesOut, **READ_ERRORS}, operation_id="insights_losses"
)
def insights_losses(request, query: Query[ReportQuery]):
    """Why deals and customers were lost in the month, the win rate after each objection, and
    what survey answers say."""
    period, filters = _asked(request, query)
    report = selectors.losses(request.user, period, filters)
    return {
        **{
            name: getattr(report, name)
            for name in LossesOut.model_fields
            if name not in ("themes", "not_narrowed")
        },
        "themes": [{"term": t, "comments": n} for t, n in report.themes],
        "not_narrowed": _not_narrowed(filters, "churns", "feedback"),
    }


class ProductRevenueOut(Schema):
    code: str
    name: str
    won: int = Field(description="deals won in the month that sold it")
    revenue: Decimal = Field(description="their revenue from it, in the report currency")


class ProductsOut(Schema):
    currency: str
    products: list[ProductRevenueOut]


@router.get(
    "/insights/products",
    response={200: ProductsOut, **READ_ERRORS},
    operation_id="insights_products",
)
def insights_products(request, query: Query[ReportQuery]):
    """Won revenue per product in the month, largest first (as the products tab)."""
    period, filters = _asked(request, query)
    rows = won_by_product(request.user, period, filters)
    return {
        "currency": settings.REPORT_CURRENCY,
        "products": [
            {
                "code": r.product.code,
                "name": r.product.name,
                "won": r.won,
                "revenue": r.revenue.quantize(Decimal("0.01")),
            }
            for r in rows
        ],
    }
