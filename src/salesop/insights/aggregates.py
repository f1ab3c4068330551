"""Daily aggregate tables behind the month and year reports: the nightly job rebuilds the
recent days from the event rows (grouped queries, and the compliance collectors), and the
reports read a month or a year as one grouped query over them.

What the aggregates see is what a person owns or their teams own: records shared with
someone outside their team count for the owner only (the live reports add them)."""

import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from salesop.accounts.models import Role, User
from salesop.aftersales.models import DeliveryProject, Ticket
from salesop.deals.models import Deal, DealStatus, StageEvent, StageEventKind
from salesop.insights.compliance import COLLECTORS, Scope
from salesop.insights.models import AggregateRun, CohortDay, ComplianceDay
from salesop.insights.rules import Period, bounds
from salesop.leads.models import Lead
from salesop.monitor.jobs import nightly
from salesop.playbook.selectors import active_playbook

DIMENSIONS = ("owner_id", "team_id", "channel_id", "grade", "industry")
# The nightly job rebuilds this many days back: cohorts keep moving for months, and the
# reports compare with the same month a year before.
REFRESH_DAYS = 400
BATCH = 5000


def _days(queryset: QuerySet, column: str) -> QuerySet:
    return queryset.annotate(d=TruncDate(column, tzinfo=ZoneInfo(settings.TIME_ZONE)))


@transaction.atomic
def refresh(start: date, end: date) -> AggregateRun:
    """Rebuilds the aggregates of the days start..end (inclusive) from the event rows."""
    from salesop.insights.selectors import funnel_stages

    began = time.monotonic()
    period = Period(start, end)
    first, after = bounds(period)
    CohortDay.objects.filter(day__gte=start, day__lte=end).delete()
    ComplianceDay.objects.filter(day__gte=start, day__lte=end).delete()
    leads = Lead.objects.filter(created_at__gte=first, created_at__lt=after)
    steps = funnel_stages(leads, active_playbook())
    currency = settings.REPORT_CURRENCY
    steps.append(("won_status", leads.filter(deal__status=DealStatus.WON)))
    batch = []
    for key, reached in steps:
        rows = _days(reached, "created_at").values("d", *DIMENSIONS)
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
                CohortDay(
                    day=r["d"],
                    step=key,
                    count=r["n"],
                    revenue=r.get("revenue") or 0,
                    **{d: r[d] for d in DIMENSIONS},
                )
            )
            if len(batch) >= BATCH:
                CohortDay.objects.bulk_create(batch)
                batch = []
    CohortDay.objects.bulk_create(batch)
    _refresh_compliance(period)
    return AggregateRun.objects.create(
        start=start, end=end, seconds=round(time.monotonic() - began, 3)
    )


def _refresh_compliance(period: Period) -> None:
    zone = ZoneInfo(settings.TIME_ZONE)
    imported = StageEvent.objects.filter(kind=StageEventKind.CREATED, reason="imported")
    scope = Scope(
        user=None,
        period=period,
        deals=Deal.objects.all(),
        imported=imported.values("deal"),
        leads=Lead.objects.all(),
        tickets=Ticket.objects.all(),
        projects=DeliveryProject.objects.all(),
        owners=User.objects.all(),
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
    today = timezone.localdate()
    return refresh(today - timedelta(days=REFRESH_DAYS), today - timedelta(days=1))


def covers(period: Period) -> bool:
    """Whether the aggregates hold the whole period (past days only; today keeps changing)."""
    if period.end >= timezone.localdate():
        return False
    return AggregateRun.objects.filter(start__lte=period.start, end__gte=period.end).exists()


def visible(queryset: QuerySet, user: User, filters) -> QuerySet:
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


def cohort_rows(user: User, period: Period, filters) -> QuerySet:
    rows = CohortDay.objects.filter(day__gte=period.start, day__lte=period.end)
    rows = visible(rows, user, filters)
    if filters.channel_id:
        rows = rows.filter(channel_id=filters.channel_id)
    if filters.industry:
        rows = rows.filter(industry=filters.industry)
    if filters.grade:
        rows = rows.filter(grade=filters.grade)
    return rows


def step_counts(user: User, period: Period, filters) -> dict[str, int]:
    """Funnel step -> leads, from the aggregates: one query."""
    rows = cohort_rows(user, period, filters).values("step").annotate(n=Sum("count")).order_by()
    return {r["step"]: r["n"] for r in rows}


def compliance_counts(user: User, period: Period, filters) -> QuerySet:
    rows = ComplianceDay.objects.filter(day__gte=period.start, day__lte=period.end)
    return (
        visible(rows, user, filters)
        .values("owner_id", "measure")
        .annotate(ok=Sum("ok"), total=Sum("total"))
        .order_by()
    )
