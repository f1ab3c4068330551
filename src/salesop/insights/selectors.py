"""Report figures computed from the event rows (leads' first contacts and status events, deal
stage events), for what the user may see, so any past period can be recomputed exactly."""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.aftersales.models import DeliveryProject, Revisit, Ticket
from salesop.contracts.models import LegalReview
from salesop.core.expressions import HoursBetween
from salesop.core.time import company_today, company_zone
from salesop.customers.models import Account
from salesop.deals.models import Deal, DealStatus, Proposal, StageEvent, StageEventKind
from salesop.deals.selectors import imported_deals
from salesop.insights import aggregates, calibration
from salesop.insights.channels import WINDOW_MONTHS, channel_report
from salesop.insights.compliance import Scope, scorecards
from salesop.insights.filters import Filters, owners_visible_to
from salesop.insights.losses import losses as losses_report
from salesop.insights.rules import (
    Period,
    Step,
    bounds,
    funnel_steps,
    months_to,
    percentile,
    rate,
)
from salesop.insights.steps import step_counts, step_label
from salesop.leads.models import Lead
from salesop.playbook.selectors import active_playbook
from salesop.pricing.models import Approval


def _leads(user: User, filters: Filters) -> QuerySet[Lead]:
    leads = Lead.objects.visible_to(user)
    if filters.team is not None:
        leads = leads.filter(team__path__startswith=filters.team.path)
    if filters.owner_id:
        leads = leads.filter(owner_id=filters.owner_id)
    if filters.channel_id:
        leads = leads.filter(channel_id=filters.channel_id)
    if filters.industry:
        leads = leads.filter(industry=filters.industry)
    if filters.grade:
        leads = leads.filter(grade=filters.grade)
    return leads


def _owned(queryset: QuerySet, user: User, filters: Filters) -> QuerySet:
    """Owned records (deals, tickets, projects, companies) the user may see, narrowed by team
    and owner."""
    queryset = queryset.visible_to(user)
    if filters.team is not None:
        queryset = queryset.filter(team__path__startswith=filters.team.path)
    if filters.owner_id:
        queryset = queryset.filter(owner_id=filters.owner_id)
    return queryset


def _narrowed(queryset: QuerySet, filters: Filters, *, company: str, lead: str | None) -> QuerySet:
    """`queryset` narrowed by industry (of the company at `company`) and by channel and grade
    (of the lead at `lead`: the lead a deal came from). A record without such a lead is left
    out by a channel or grade filter; one with `lead` None is not narrowed by them (see
    NOT_NARROWED)."""
    if filters.industry:
        queryset = queryset.filter(
            **{f"{company}__industry" if company else "industry": filters.industry}
        )
    if lead is not None and filters.channel_id:
        queryset = queryset.filter(**{f"{lead}__channel_id": filters.channel_id})
    if lead is not None and filters.grade:
        queryset = queryset.filter(**{f"{lead}__grade": filters.grade})
    return queryset


def deals_for(user: User, filters: Filters) -> QuerySet[Deal]:
    """The deals a report counts: visible, of the team and owner asked, of a company in the
    industry asked (`Account.industry`), and from a lead of the channel and grade asked."""
    deals = _owned(Deal.objects, user, filters)
    return _narrowed(deals, filters, company="account", lead="source_lead")


def tickets_for(user: User, filters: Filters) -> QuerySet:
    """Tickets of the team, owner and company industry asked; a ticket has no lead, so
    channel and grade do not narrow it."""
    return _narrowed(_owned(Ticket.objects, user, filters), filters, company="account", lead=None)


def projects_for(user: User, filters: Filters) -> QuerySet:
    """Delivery projects narrowed like the deals they came from."""
    projects = _owned(DeliveryProject.objects, user, filters)
    return _narrowed(projects, filters, company="account", lead="deal__source_lead")


def accounts_for(user: User, filters: Filters) -> QuerySet:
    """Companies (for churns and survey answers) of the team, owner and industry asked."""
    return _narrowed(_owned(Account.objects, user, filters), filters, company="", lead=None)


def _of_deals(path: str, deals: QuerySet[Deal]) -> Q:
    """Rows whose deal (at `path`) is one of `deals`; no condition when `deals` is every deal
    (sales ops, no filter), so the database reads the rows by their date index instead of
    testing each against all deals."""
    return Q(**{f"{path}__in": deals.values("pk")}) if deals.query.where else Q()


def _cohort(user: User, period: Period, filters: Filters) -> QuerySet[Lead]:
    start, end = bounds(period)
    return _leads(user, filters).filter(created_at__gte=start, created_at__lt=end)


def aggregated(period: Period, source: str = "auto", filters: Filters | None = None) -> bool:
    """Whether a report reads the aggregates: asked for, or ("auto") when they answer it."""
    return source == "aggregates" or (source == "auto" and aggregates.covers(period, filters))


def funnel(
    user: User, period: Period, filters: Filters | None = None, source: str = "auto"
) -> list[Step]:
    """The leads created in the period and how far they got: contacted, qualified, each deal
    stage of the playbook, won. One query over the records, or one over the aggregates."""
    filters = filters or Filters()
    playbook = active_playbook()
    if aggregated(period, source, filters):
        counts = aggregates.step_counts(user, period, filters)
    else:
        counts = step_counts(_cohort(user, period, filters), playbook)
    keys = ["leads", "contacted", "qualified", *[s.key for s in playbook.stages], "won"]
    return funnel_steps([(k, step_label(k, playbook), counts.get(k, 0)) for k in keys])


@dataclass(frozen=True)
class Dwell:
    stage: str
    label: str
    moves: int
    median_days: float | None
    p75_days: float | None
    p90_days: float | None
    limit_days: int | None

    @property
    def over_limit(self) -> bool:
        return bool(self.limit_days and self.median_days and self.median_days > self.limit_days)


def cycle_times(user: User, period: Period, filters: Filters | None = None) -> list[Dwell]:
    """How long deals stayed in each stage before leaving it during the period (from the stage
    events' recorded time in the previous stage), against the playbook's maximum dwell. Deals
    the history import brought in are left out: their file gave no date for each stage."""
    filters = filters or Filters()
    playbook = active_playbook()
    language = get_language() or "zh-hans"
    start, end = bounds(period)
    deals = deals_for(user, filters)
    rows = (
        StageEvent.objects.filter(
            _of_deals("deal", deals),
            at__gte=start,
            at__lt=end,
            kind__in=[StageEventKind.MOVED, StageEventKind.WON, StageEventKind.LOST],
        )
        .exclude(from_stage="")
        .exclude(deal__in=imported_deals())
        .values_list("from_stage", "seconds_in_previous")
    )
    by_stage: dict[str, list[float]] = {}
    for stage, seconds in rows:
        by_stage.setdefault(stage, []).append(seconds / 86400)
    result = []
    for spec in playbook.stages:
        days = by_stage.get(spec.key, [])
        result.append(
            Dwell(
                stage=spec.key,
                label=spec.label.get(language),
                moves=len(days),
                median_days=_round(percentile(days, 50)),
                p75_days=_round(percentile(days, 75)),
                p90_days=_round(percentile(days, 90)),
                limit_days=spec.max_dwell_days,
            )
        )
    return result


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def slowest(dwells: list[Dwell]) -> Dwell | None:
    """The stage whose median dwell uses the most of its playbook maximum (or, without one,
    the longest median)."""
    measured = [d for d in dwells if d.median_days is not None]
    if not measured:
        return None
    return max(
        measured,
        key=lambda d: (d.median_days / d.limit_days) if d.limit_days else d.median_days / 365,
    )


@dataclass(frozen=True)
class Grading:
    window: Period
    current: tuple[int, int]
    rates: dict[str, calibration.GradeRate]
    verdict: str
    proposal: calibration.Proposal | None
    # How the window's scored leads (decided or not) split into grades now and as proposed.
    shares_now: dict[str, int]
    shares_proposed: dict[str, int] | None
    fit_bands: list[tuple[str, calibration.GradeRate]]
    fit_separates: bool | None

    @property
    def comparison(self) -> list[dict]:
        """Per grade: win rate and leads graded, now and as proposed."""
        if self.proposal is None:
            return []
        return [
            {
                "grade": g,
                "now": self.rates[g],
                "proposed": self.proposal.rates[g],
                "graded_now": self.shares_now[g],
                "graded_proposed": self.shares_proposed[g],
            }
            for g in "ABC"
        ]


# A lead whose outcome is known: its deal was won or lost, or it was disqualified.
DECIDED = Q(deal__status__in=[DealStatus.WON, DealStatus.LOST]) | Q(status="disqualified")


def _year_to(period: Period) -> Period:
    return Period(period.end - timedelta(days=364), period.end)


def grading(user: User, period: Period, filters: Filters | None = None) -> Grading:
    """Win rate per grade of the leads decided in the year up to the period's end, the verdict
    on the active playbook's thresholds, the thresholds that would have separated winners
    best, and the same question for the ICP fit score (by quarter of the 0-1 range)."""
    filters = replace(filters or Filters(), grade="")  # grades are what is being judged
    grades = active_playbook().bant.grades
    current = (grades.a, grades.b)
    window = _year_to(period)
    lows = (0, 25, 50, 75)
    # One pass over the year's leads, grouped by score and ICP fit band (a quarter of 0-1):
    # how many, how many decided, how many won. Three queries over ~500,000 leads took 0.6 s.
    band = Case(
        *[When(icp_fit__gte=low / 100, then=Value(low)) for low in reversed(lows)],
        default=Value(None),
        output_field=IntegerField(),
    )
    groups = (
        _cohort(user, window, filters)
        .values("score", band=band)
        .annotate(
            n=Count("id"),
            decided=Count("id", filter=DECIDED),
            won=Count("id", filter=Q(deal__status=DealStatus.WON)),
        )
        .order_by()
    )
    hist: dict[int, tuple[int, int]] = {}
    scored: dict[int, int] = {}
    fit = {low: (0, 0) for low in lows}
    for r in groups:
        if r["score"] is not None:
            scored[r["score"]] = scored.get(r["score"], 0) + r["n"]
            if r["decided"]:
                n, w = hist.get(r["score"], (0, 0))
                hist[r["score"]] = (n + r["decided"], w + r["won"])
        if r["band"] is not None:
            n, w = fit[r["band"]]
            fit[r["band"]] = (n + r["decided"], w + r["won"])
    by_grade = calibration.rates(hist, *current)
    proposal = calibration.propose(hist, current)

    def shares(a: int, b: int) -> dict[str, int]:
        counted = {g: 0 for g in "ABC"}
        for score, n in scored.items():
            counted[calibration.grade_of(score, a, b)] += n
        return counted

    bands = [
        (
            f"{low / 100:.2f}-{(low + 25) / 100:.2f}",
            calibration.GradeRate(
                "", fit[low][0], fit[low][1], *calibration.wilson(fit[low][1], fit[low][0])
            ),
        )
        for low in lows
    ]
    top, bottom = bands[-1][1], bands[0][1]
    separates = None
    if top.decided >= calibration.MIN_DECIDED and bottom.decided >= calibration.MIN_DECIDED:
        separates = top.low > bottom.rate
    return Grading(
        window=window,
        current=current,
        rates=by_grade,
        verdict=calibration.verdict(by_grade),
        proposal=proposal if proposal and (proposal.a, proposal.b) != current else None,
        shares_now=shares(*current),
        shares_proposed=shares(proposal.a, proposal.b) if proposal else None,
        fit_bands=bands,
        fit_separates=separates,
    )


def channels(user: User, period: Period, filters: Filters | None = None, source: str = "auto"):
    """The channel report for the six months to the period's end (see insights.channels)."""
    filters = filters or Filters()
    rows = None
    if aggregated(months_to(period, WINDOW_MONTHS), source, filters):

        def rows(window):
            return aggregates.cohort_rows(user, window, filters)

    return channel_report(user, period, lambda window: _cohort(user, window, filters), rows)


def compliance_scope(user: User, period: Period, filters: Filters | None = None):
    """What the compliance scorecards count for this user and these filters: leads, deals,
    tickets and projects as `_leads`, `deals_for`, `tickets_for` and `projects_for` narrow
    them, revisits by owner and company industry."""
    filters = filters or Filters()
    owners = owners_visible_to(user)
    if filters.team is not None:
        owners = owners.filter(team__path__startswith=filters.team.path)
    if filters.owner_id:
        owners = owners.filter(pk=filters.owner_id)
    return Scope(
        user=user,
        period=period,
        deals=deals_for(user, filters),
        imported=imported_deals(),
        leads=_leads(user, filters),
        tickets=tickets_for(user, filters),
        projects=projects_for(user, filters),
        owners=owners,
        revisits=_narrowed(
            Revisit.objects.filter(owner__in=owners.values("pk")),
            filters,
            company="account",
            lead=None,
        ),
    )


def losses(user: User, period: Period, filters: Filters | None = None):
    """Lost-deal and churn reasons, objections and feedback (see insights.losses)."""
    filters = filters or Filters()
    return losses_report(period, deals_for(user, filters), accounts_for(user, filters))


@dataclass(frozen=True)
class Cohort:
    month: date
    leads: int
    states: dict[str, int]  # where the month's leads are now, by state key


def cohorts(user: User, period: Period, filters: Filters | None = None, months: int = 6):
    """For the leads created in each of the `months` months to the period's end, where they
    are now: still a lead, disqualified, in a deal at each stage, won or lost. One query.
    Returns the state keys with their labels, then a Cohort per month (latest first)."""
    filters = filters or Filters()
    playbook = active_playbook()
    language = get_language() or "zh-hans"
    window = months_to(period, months)
    rows = (
        _cohort(user, window, filters)
        .annotate(month=TruncMonth("created_at", tzinfo=company_zone()))
        .values("month", "status", "deal__status", "deal__stage")
        .annotate(n=Count("id"))
        .order_by()
    )
    labels = {
        "lead": _("Still a lead"),
        "disqualified": _("Disqualified"),
        **{s.key: playbook.stage_label(s.key, language) for s in playbook.stages},
        "won": playbook.stage_label("won", language),
        "lost": playbook.stage_label("lost", language),
    }
    found: dict[date, dict[str, int]] = {}
    for r in rows:
        month = r["month"].date() if hasattr(r["month"], "date") else r["month"]
        if r["deal__status"] in (DealStatus.WON, DealStatus.LOST):
            state = r["deal__status"]
        elif r["deal__stage"]:
            state = r["deal__stage"] if r["deal__stage"] in labels else "lead"
        elif r["status"] == "disqualified":
            state = "disqualified"
        else:
            state = "lead"
        states = found.setdefault(month, {})
        states[state] = states.get(state, 0) + r["n"]
    result = [
        Cohort(month, sum(states.values()), states)
        for month, states in sorted(found.items(), reverse=True)
    ]
    return list(labels.items()), result


@dataclass(frozen=True)
class Conversion:
    """Of those who reached a step's decision in the period, the share that went on."""

    key: str
    label: str
    entrants: int
    rate: Decimal | None


def conversions(user: User, period: Period, filters: Filters | None = None) -> list[Conversion]:
    """Per deal stage, of the deals that left it during the period, the share that moved on
    (to a later stage or won) rather than being lost: decided by events in the period, so a
    young month is not compared with older, riper ones. Lead steps (contacted, qualified)
    come from the period's lead cohort once the period is over."""
    filters = filters or Filters()
    playbook = active_playbook()
    language = get_language() or "zh-hans"
    start, end = bounds(period)
    order = {s.key: i for i, s in enumerate(playbook.stages)} | {"won": len(playbook.stages)}
    exits = (
        StageEvent.objects.filter(
            deal__in=deals_for(user, filters).values("pk"),
            at__gte=start,
            at__lt=end,
            kind__in=[StageEventKind.MOVED, StageEventKind.WON, StageEventKind.LOST],
        )
        .values("from_stage", "to_stage", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    went_on: dict[str, int] = {}
    lost: dict[str, int] = {}
    for row in exits:
        stage = row["from_stage"]
        if stage not in order:
            continue
        if row["kind"] == StageEventKind.LOST:
            lost[stage] = lost.get(stage, 0) + row["n"]
        elif order.get(row["to_stage"], -1) > order[stage]:
            went_on[stage] = went_on.get(stage, 0) + row["n"]
    result = []
    if period.end < company_today():
        steps = funnel(user, period, filters)
        for previous, step in zip(steps[:2], steps[1:3], strict=True):
            label = f"{previous.label} → {step.label}"
            result.append(Conversion(step.key, label, previous.count, step.step_rate))
    for spec in playbook.stages:
        entrants = went_on.get(spec.key, 0) + lost.get(spec.key, 0)
        result.append(
            Conversion(
                spec.key,
                spec.label.get(language),
                entrants,
                rate(went_on.get(spec.key, 0), entrants),
            )
        )
    return result


@dataclass(frozen=True)
class Duration:
    key: str
    label: str
    unit: str
    count: int
    median: float | None
    p75: float | None
    p90: float | None


def _spread(key: str, label: str, unit: str, values: list[float]) -> Duration:
    return Duration(
        key,
        label,
        unit,
        len(values),
        _round(percentile(values, 50)),
        _round(percentile(values, 75)),
        _round(percentile(values, 90)),
    )


def durations(user: User, period: Period, filters: Filters | None = None) -> list[Duration]:
    """How long the SOP's timed steps took when they ended in the period: lead created to deal
    won and deal opened to won (the signing cycle), lead created to first contact, proposal
    presentations, quote approvals and legal reviews. One query each."""
    filters = filters or Filters()
    start, end = bounds(period)
    deals = deals_for(user, filters)
    won = deals.filter(status=DealStatus.WON, closed_at__gte=start, closed_at__lt=end)
    days, hours = _("days"), _("hours")
    lead_to_won = [
        hours / 24
        for hours in won.filter(source_lead__isnull=False)
        .annotate(h=HoursBetween("source_lead__created_at", "closed_at"))
        .values_list("h", flat=True)
    ]
    cycle = [
        hours / 24
        for hours in won.filter(opened_unknown=False)
        .annotate(h=HoursBetween("created_at", "closed_at"))
        .values_list("h", flat=True)
    ]
    contact = list(
        _cohort(user, period, filters)
        .filter(first_contacted_at__isnull=False)
        .annotate(h=HoursBetween("created_at", "first_contacted_at"))
        .values_list("h", flat=True)
    )
    presentations = [
        float(minutes)
        for minutes in Proposal.objects.filter(
            _of_deals("deal", deals),
            presented_activity__occurred_at__gte=start,
            presented_activity__occurred_at__lt=end,
            presented_activity__duration_minutes__isnull=False,
        ).values_list("presented_activity__duration_minutes", flat=True)
    ]
    approvals = list(
        Approval.objects.filter(
            _of_deals("quote__deal", deals), decided_at__gte=start, decided_at__lt=end
        )
        .annotate(h=HoursBetween("requested_at", "decided_at"))
        .values_list("h", flat=True)
    )
    reviews = list(
        LegalReview.objects.filter(
            _of_deals("contract__deal", deals), decided_at__gte=start, decided_at__lt=end
        )
        .annotate(h=HoursBetween("submitted_at", "decided_at"))
        .values_list("h", flat=True)
    )
    return [
        _spread("lead_to_won", _("Lead created to deal won"), days, lead_to_won),
        _spread("signing_cycle", _("Deal opened to won (signing cycle)"), days, cycle),
        _spread("first_contact", _("Lead created to first contact"), hours, contact),
        _spread("presentation", _("Proposal presentation"), _("minutes"), presentations),
        _spread("approval", _("Quote approval turnaround"), hours, approvals),
        _spread("legal_review", _("Legal review turnaround"), hours, reviews),
    ]


def compliance(user: User, period: Period, filters: Filters | None = None, source: str = "auto"):
    """Everyone's compliance card and one per person (see insights.compliance), from the
    records or the daily aggregates."""
    filters = filters or Filters()
    scope = compliance_scope(user, period, filters)
    # The aggregates count every lead: a channel, industry or grade filter is answered live.
    lead_filters = filters.channel_id or filters.industry or filters.grade
    if not lead_filters and aggregated(period, source, filters):
        return scorecards(scope, aggregates.compliance_counts(user, period, filters))
    return scorecards(scope)
