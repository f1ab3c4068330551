"""Aggregate tables behind the month and year reports: the lead funnel per cohort month,
owner, channel and grade, and the compliance measures per day and person. The nightly job
rebuilds the recent months from the event rows (grouped queries, and the compliance
collectors); the reports read a month or a year as one grouped query over them.

What the aggregates see is what a person owns or their teams own: records shared with
someone outside their team count for the owner only (the live reports add them). The funnel
holds channel and grade but not industry, and the compliance measures only owner and team:
a report filtered by what its aggregates do not hold is answered live."""

import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from salesop.accounts.models import Role, User
from salesop.aftersales.models import DeliveryProject, Revisit, Ticket
from salesop.core.time import company_today, company_zone
from salesop.deals.models import Deal, DealStatus
from salesop.deals.selectors import imported_deals
from salesop.insights.compliance import COLLECTORS, Scope
from salesop.insights.filters import Filters
from salesop.insights.models import AggregateRun, CohortMonth, ComplianceDay
from salesop.insights.rules import Period, bounds, month_period
from salesop.insights.steps import funnel_stages
from salesop.leads.models import Lead
from salesop.monitor.jobs import nightly
from salesop.playbook.selectors import active_playbook

DIMENSIONS = ("owner_id", "team_id", "channel_id", "grade")
# The nightly job rebuilds this many months before the current one: cohorts keep moving for
# months, and the reports compare last month with the same month a year before.
REFRESH_MONTHS = 13
BATCH = 5000


@transaction.atomic
def refresh(start: date, end: date) -> AggregateRun:
    """Rebuilds the aggregates of the whole months from start's to end's from the event
    rows."""
    began = time.monotonic()
    period = Period(start.replace(day=1), month_period(end.year, end.month).end)
    start, end = period.start, period.end
    first, after = bounds(period)
    CohortMonth.objects.filter(month__gte=start, month__lte=end).delete()
    ComplianceDay.objects.filter(day__gte=start, day__lte=end).delete()
    leads = Lead.objects.filter(created_at__gte=first, created_at__lt=after)
    steps = funnel_stages(leads, active_playbook())
    currency = settings.REPORT_CURRENCY
    steps.append(("won_status", leads.filter(deal__status=DealStatus.WON)))
    won_elsewhere = leads.filter(deal__status=DealStatus.WON).exclude(deal__currency=currency)
    steps.append(("won_other_currency", won_elsewhere))
    batch = []
    for key, reached in steps:
        rows = reached.annotate(m=TruncMonth("created_at", tzinfo=company_zone())).values(
            "m", *DIMENSIONS
        )
        if key == "won_status":
            rows = rows.annotate(
                n=Count("id"),
                revenue=Coalesce(
                    Sum("deal__amount", filter=Q(deal__currency=currency)),
                    Value(Decimal("0")),
                    output_field=DecimalField(max_digits=16, decimal_places=2),
                ),
            )
        else:
            rows = rows.annotate(n=Count("id", distinct=True))
        for r in rows.order_by().iterator(chunk_size=BATCH):
            batch.append(
                CohortMonth(
                    month=r["m"].date() if hasattr(r["m"], "date") else r["m"],
                    step=key,
                    count=r["n"],
                    revenue=r.get("revenue") or 0,
                    **{d: r[d] for d in DIMENSIONS},
                )
            )
            if len(batch) >= BATCH:
                CohortMonth.objects.bulk_create(batch)
                batch = []
    CohortMonth.objects.bulk_create(batch)
    _refresh_compliance(period)
    return AggregateRun.objects.create(
        start=start, end=end, seconds=round(time.monotonic() - began, 3)
    )


def _refresh_compliance(period: Period) -> None:
    zone = company_zone()
    scope = Scope(
        user=None,
        period=period,
        deals=Deal.objects.all(),
        imported=imported_deals(),
        leads=Lead.objects.all(),
        tickets=Ticket.objects.all(),
        projects=DeliveryProject.objects.all(),
        owners=User.objects.all(),
        revisits=Revisit.objects.all(),
    )
    teams = dict(User.objects.values_list("pk", "team_id"))
    tallies: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for measure, collect in COLLECTORS.items():
        for item in collect(scope):
            tally = tallies[(item.at.astimezone(zone).date(), item.owner_id, measure)]
            tally[0] += item.ok
            tally[1] += 1
    ComplianceDay.objects.bulk_create(
        (
            ComplianceDay(
                day=day, owner_id=owner, team_id=teams.get(owner), measure=measure, ok=ok, total=n
            )
            for (day, owner, measure), (ok, n) in tallies.items()
        ),
        batch_size=BATCH,
    )


@nightly("insights_aggregates")
def refresh_recent() -> AggregateRun:
    today = company_today()
    start = month_period(today.year, today.month)
    for _ in range(REFRESH_MONTHS):
        start = start.previous()
    return refresh(start.start, today)


def covers(period: Period, filters: Filters | None = None) -> bool:
    """Whether the aggregates answer the period: whole past months a refresh covered after
    they ended, and no filter they do not hold (industry). A refresh records whole months,
    the current one too, so one made before the period's last day was over misses its end:
    the period is counted live until the next refresh (the nightly job on the 1st)."""
    whole = period.start.day == 1 and (period.end + timedelta(days=1)).day == 1
    if not whole or period.end >= company_today() or (filters and filters.industry):
        return False
    _start, ended = bounds(period)
    runs = AggregateRun.objects.filter(
        start__lte=period.start, end__gte=period.end, finished_at__gte=ended
    ).order_by("finished_at")
    return any(run.finished_at - timedelta(seconds=run.seconds) >= ended for run in runs[:2])


def visible(queryset: QuerySet, user: User, filters: Filters) -> QuerySet:
    """Aggregate rows the user may see (sales ops all; a manager their teams'; others their
    own), narrowed by the report's filters."""
    if not user.sees_everything:
        if Role.MANAGER in user.roles and user.team_id:
            queryset = queryset.filter(
                Q(team__path__startswith=user.team.path) | Q(owner_id=user.pk)
            )
        else:
            queryset = queryset.filter(owner_id=user.pk)
    if filters.team is not None:
        queryset = queryset.filter(team__path__startswith=filters.team.path)
    if filters.owner_id:
        queryset = queryset.filter(owner_id=filters.owner_id)
    return queryset


def cohort_rows(user: User, period: Period, filters: Filters) -> QuerySet:
    rows = CohortMonth.objects.filter(month__gte=period.start, month__lte=period.end)
    rows = visible(rows, user, filters)
    if filters.channel_id:
        rows = rows.filter(channel_id=filters.channel_id)
    if filters.grade:
        rows = rows.filter(grade=filters.grade)
    return rows


def step_counts(user: User, period: Period, filters: Filters) -> dict[str, int]:
    """Funnel step -> leads, from the aggregates: one query."""
    rows = cohort_rows(user, period, filters).values("step").annotate(n=Sum("count")).order_by()
    return {r["step"]: r["n"] for r in rows}


def compliance_counts(user: User, period: Period, filters: Filters) -> QuerySet:
    rows = ComplianceDay.objects.filter(day__gte=period.start, day__lte=period.end)
    return (
        visible(rows, user, filters)
        .values("owner_id", "measure")
        .annotate(ok=Sum("ok"), total=Sum("total"))
        .order_by()
    )
