"""SOP compliance scorecards (过程考核): for each person and the whole selection, how often the
SOP was followed in the period, measure by measure, a weighted compliance score (weights in the
playbook), and the outcome figures beside it. Every number is a count of records listed by the
drill-down, each record with whether it complied."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy

from salesop.accounts.models import User
from salesop.aftersales.models import ProgressUpdate, ProjectStatus, RevisitStatus
from salesop.contracts.models import SIGNED_STATUSES, Contract
from salesop.core.expressions import MicrosecondsBetween
from salesop.core.time import company_today
from salesop.deals.models import DealStatus, Need, StageEvent, StageEventKind, Stakeholder
from salesop.insights.rules import Period, bounds, rate
from salesop.leads.rules import first_contact_hours
from salesop.playbook.selectors import active_playbook
from salesop.pricing.models import Quote, QuoteStatus

MEASURES = {
    "lead_followup": gettext_lazy("Leads contacted within the SLA"),
    "checklist": gettext_lazy("Stage moves with the checklist complete"),
    "discovery": gettext_lazy("Discovery complete (needs, recap, decision maker)"),
    "quotes": gettext_lazy("Won deals priced by an approved quote"),
    "contracts": gettext_lazy("Won deals with a signed, cleared contract"),
    "tickets": gettext_lazy("Tickets within the SLA"),
    "revisits": gettext_lazy("Revisits done on time"),
    "updates": gettext_lazy("Weekly progress updates sent"),
}


@dataclass(frozen=True)
class Item:
    """One record a measure counts, and whether it complied."""

    owner_id: int
    ok: bool
    label: str
    url: str
    at: datetime


@dataclass
class Tally:
    ok: int = 0
    total: int = 0

    @property
    def pct(self) -> Decimal | None:
        return rate(self.ok, self.total)


@dataclass
class Card:
    """One person's (or everyone's, owner None) measures, score and outcomes."""

    owner: User | None
    measures: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in MEASURES})
    score: Decimal | None = None
    won_revenue: Decimal = Decimal("0")
    won: int = 0
    lost: int = 0

    @property
    def win_rate(self) -> Decimal | None:
        return rate(self.won, self.won + self.lost)


@dataclass(frozen=True)
class Scope:
    """What a scorecard counts: the deals, leads and after-sales records the user may see,
    narrowed by the report's filters."""

    user: User
    period: Period
    deals: QuerySet
    imported: QuerySet  # deal ids the history import brought: they did not run the SOP here
    leads: QuerySet
    tickets: QuerySet
    projects: QuerySet
    owners: QuerySet
    revisits: QuerySet

    @property
    def sop_deals(self) -> QuerySet:
        return self.deals.exclude(pk__in=self.imported)

    @property
    def start(self) -> datetime:
        return bounds(self.period)[0]

    @property
    def end(self) -> datetime:
        return bounds(self.period)[1]


def _lead_followup(scope: Scope) -> Iterator[Item]:
    hours = timedelta(hours=first_contact_hours(active_playbook()))
    now = timezone.now()
    rows = scope.leads.filter(created_at__gte=scope.start, created_at__lt=scope.end).values_list(
        "pk", "owner_id", "company_name", "created_at", "first_contacted_at"
    )
    lead_url = reverse("leads:detail", args=[0]).replace("/0/", "/{}/")
    for pk, owner_id, name, created, contacted in rows.iterator(chunk_size=2000):
        due = created + hours
        if contacted is None and due > now:
            continue  # not due yet
        ok = contacted is not None and contacted <= due
        yield Item(owner_id, ok, name, lead_url.format(pk), created)


def _events(scope: Scope) -> QuerySet:
    return StageEvent.objects.filter(
        deal__in=scope.sop_deals.values("pk"), at__gte=scope.start, at__lt=scope.end
    ).select_related("deal")


def _checklist(scope: Scope) -> Iterator[Item]:
    playbook = active_playbook()
    language = get_language() or "zh-hans"
    moves = _events(scope).filter(kind__in=[StageEventKind.MOVED, StageEventKind.WON])
    return (
        Item(
            e.deal.owner_id,
            not e.override_reason and not e.unmet,
            f"{e.deal.name}: {playbook.stage_label(e.from_stage, language)} → "
            f"{playbook.stage_label(e.to_stage, language)}",
            e.deal.get_absolute_url(),
            e.at,
        )
        for e in moves.exclude(from_stage="").iterator(chunk_size=2000)
    )


def _discovery(scope: Scope) -> Iterator[Item]:
    first = active_playbook().stages[0].key
    deal = OuterRef("deal")
    leaving = (
        _events(scope)
        .filter(kind__in=[StageEventKind.MOVED, StageEventKind.WON], from_stage=first)
        .annotate(
            has_needs=Exists(Need.objects.filter(deal=deal)),
            has_recap=Q(deal__discovery__recap_confirmed_at__isnull=False),
            has_maker=Exists(Stakeholder.objects.filter(deal=deal, role="decision_maker")),
        )
    )
    return (
        Item(
            e.deal.owner_id,
            e.has_needs and bool(e.has_recap) and e.has_maker,
            e.deal.name,
            e.deal.get_absolute_url() + "discovery/",
            e.at,
        )
        for e in leaving.iterator(chunk_size=2000)
    )


def _won(scope: Scope) -> QuerySet:
    return scope.sop_deals.filter(
        status=DealStatus.WON, closed_at__gte=scope.start, closed_at__lt=scope.end
    )


def _quotes(scope: Scope) -> Iterator[Item]:
    # The price the customer got was approved: sending the quote through salesop is not asked
    # for (a rep may hand it over on paper or in a chat).
    approved = Quote.objects.filter(deal=OuterRef("pk"), status=QuoteStatus.APPROVED)
    deals = _won(scope).annotate(ok=Exists(approved))
    return [
        Item(d.owner_id, d.ok, d.name, d.get_absolute_url() + "#quotes", d.closed_at) for d in deals
    ]


def _contracts(scope: Scope) -> Iterator[Item]:
    signed = Contract.objects.filter(deal=OuterRef("pk"), status__in=SIGNED_STATUSES)
    deals = _won(scope).annotate(ok=Exists(signed))
    return (
        Item(d.owner_id, d.ok, d.name, d.get_absolute_url() + "#contracts", d.closed_at)
        for d in deals.iterator(chunk_size=2000)
    )


def _tickets(scope: Scope) -> Iterator[Item]:
    now = timezone.now()
    rows = scope.tickets.filter(opened_at__gte=scope.start, opened_at__lt=scope.end)
    for t in rows.iterator(chunk_size=2000):
        response_ok = t.responded_at is not None and t.responded_at <= t.first_response_due_at
        direction_ok = t.direction_at is not None and t.direction_at <= t.direction_due_at
        decided = (t.responded_at or t.first_response_due_at <= now) and (
            t.direction_at or t.direction_due_at <= now
        )
        if not decided:
            continue  # its clocks are still running
        yield (
            Item(
                t.owner_id,
                response_ok and direction_ok,
                f"{t.number} {t.title}",
                t.get_absolute_url(),
                t.opened_at,
            )
        )


def _revisits(scope: Scope) -> Iterator[Item]:
    today = company_today()
    rows = (
        scope.revisits.filter(
            due_on__gte=scope.period.start,
            due_on__lte=scope.period.end,
        )
        .exclude(status=RevisitStatus.PLANNED, due_on__gte=today)
        .select_related("account")
    )
    return (
        Item(
            r.owner_id,
            r.status == RevisitStatus.DONE and r.done_on is not None and r.done_on <= r.due_on,
            f"{r.account.name} {r.due_on:%Y-%m-%d}",
            r.account.get_absolute_url(),
            datetime.combine(r.due_on, datetime.min.time(), tzinfo=scope.start.tzinfo),
        )
        for r in rows.iterator(chunk_size=2000)
    )


def _updates(scope: Scope) -> Iterator[Item]:
    """One item per project and past week (from its Monday) of the period the project was in
    delivery, and whether that week's update was sent. A delivered project counts up to its
    last update."""
    today = company_today()
    projects = list(scope.projects.filter(started_on__lte=scope.period.end))
    sent = set(
        ProgressUpdate.objects.filter(
            project__in=[p.pk for p in projects], sent_at__isnull=False
        ).values_list("project_id", "week")
    )
    last = {}
    for project_id, week in sent:
        last[project_id] = max(week, last.get(project_id, week))
    monday = scope.period.start - timedelta(days=scope.period.start.weekday())
    while monday <= min(scope.period.end, today - timedelta(days=7)):
        for p in projects:
            delivering = p.status != ProjectStatus.DONE or monday <= last.get(p.pk, monday)
            if p.started_on <= monday and delivering:
                yield (
                    Item(
                        p.owner_id,
                        (p.pk, monday) in sent,
                        f"{p.name} {monday:%Y-%m-%d}",
                        p.get_absolute_url(),
                        datetime.combine(monday, datetime.min.time(), tzinfo=scope.start.tzinfo),
                    )
                )
        monday += timedelta(days=7)


COLLECTORS: dict[str, Callable[[Scope], Iterable[Item]]] = {
    "lead_followup": _lead_followup,
    "checklist": _checklist,
    "discovery": _discovery,
    "quotes": _quotes,
    "contracts": _contracts,
    "tickets": _tickets,
    "revisits": _revisits,
    "updates": _updates,
}


def items(scope: Scope, measure: str, limit: int | None = None) -> list[Item]:
    """The measure's records, misses first then by time; at most `limit` of them."""
    return sorted(COLLECTORS[measure](scope), key=lambda i: (i.ok, i.at))[:limit]


def stream(scope: Scope, measure: str) -> Iterator[Item]:
    """The measure's records as the database yields them, for exports of any size."""
    return iter(COLLECTORS[measure](scope))


def _grouped(rows: QuerySet, owner: str, ok) -> QuerySet:
    """(owner, ok, total) per owner of `rows`, counted by the database."""
    return rows.order_by().values_list(owner).annotate(ok=Count("pk", filter=ok), n=Count("pk"))


def _contacted_within(hours: timedelta) -> LessThanOrEqual:
    """first_contacted_at <= created_at + hours, in the database's own arithmetic (SQLite
    added the timedelta through a Python function per row: 1.8 s of a year's compliance at a
    million leads), exact to the microsecond as the records' check is."""
    limit = Value(hours // timedelta(microseconds=1))
    return LessThanOrEqual(MicrosecondsBetween("created_at", "first_contacted_at"), limit)


def _counted(scope: Scope) -> dict[str, QuerySet]:
    """What each collector yields, as grouped counts: the same records and the same verdict
    (tests/insights/test_compliance.py compares both ways), a few grouped queries instead of a
    Python loop over a year's records (~20 s at a million leads)."""
    now = timezone.now()
    hours = timedelta(hours=first_contact_hours(active_playbook()))
    leads = scope.leads.filter(created_at__gte=scope.start, created_at__lt=scope.end).exclude(
        first_contacted_at__isnull=True,
        created_at__gt=now - hours,  # not due yet
    )
    moves = _events(scope).filter(kind__in=[StageEventKind.MOVED, StageEventKind.WON])
    deal = OuterRef("deal")
    first = active_playbook().stages[0].key
    tickets = scope.tickets.filter(opened_at__gte=scope.start, opened_at__lt=scope.end).filter(
        Q(responded_at__isnull=False) | Q(first_response_due_at__lte=now),
        Q(direction_at__isnull=False) | Q(direction_due_at__lte=now),  # its clocks have stopped
    )
    revisits = scope.revisits.filter(
        due_on__gte=scope.period.start, due_on__lte=scope.period.end
    ).exclude(status=RevisitStatus.PLANNED, due_on__gte=company_today())
    return {
        "lead_followup": _grouped(leads, "owner_id", _contacted_within(hours)),
        "checklist": _grouped(
            moves.exclude(from_stage=""), "deal__owner_id", Q(override_reason="", unmet=[])
        ),
        "discovery": _grouped(
            moves.filter(from_stage=first),
            "deal__owner_id",
            Q(Exists(Need.objects.filter(deal=deal)))
            & Q(deal__discovery__recap_confirmed_at__isnull=False)
            & Q(Exists(Stakeholder.objects.filter(deal=deal, role="decision_maker"))),
        ),
        "quotes": _grouped(
            _won(scope),
            "owner_id",
            Q(Exists(Quote.objects.filter(deal=OuterRef("pk"), status=QuoteStatus.APPROVED))),
        ),
        "contracts": _grouped(
            _won(scope),
            "owner_id",
            Q(Exists(Contract.objects.filter(deal=OuterRef("pk"), status__in=SIGNED_STATUSES))),
        ),
        "tickets": _grouped(
            tickets,
            "owner_id",
            Q(
                responded_at__lte=F("first_response_due_at"),
                direction_at__lte=F("direction_due_at"),
            ),
        ),
        "revisits": _grouped(
            revisits, "owner_id", Q(status=RevisitStatus.DONE, done_on__lte=F("due_on"))
        ),
    }


def _tallies(scope: Scope) -> Iterator[tuple[int, str, int, int]]:
    counted = _counted(scope)
    for key, collect in COLLECTORS.items():
        if key in counted:
            for owner_id, ok, n in counted[key]:
                yield owner_id, key, ok, n
        else:  # weeks of projects: a few hundred, counted as the records say
            for item in collect(scope):
                yield item.owner_id, key, int(item.ok), 1


def scorecards(scope: Scope, tallies: Iterable[dict] | None = None) -> tuple[Card, list[Card]]:
    """Everyone's card and one per person with anything counted, best score first; from the
    records, or from `tallies` (owner_id, measure, ok, total rows of the daily aggregates)."""
    weights = active_playbook().insights.compliance_weights
    people = {u.pk: u for u in scope.owners}
    total = Card(owner=None)
    cards: dict[int, Card] = defaultdict(lambda: Card(owner=None))
    counted = (
        _tallies(scope)
        if tallies is None
        else ((t["owner_id"], t["measure"], t["ok"], t["total"]) for t in tallies)
    )
    for owner_id, key, ok, n in counted:
        if key not in MEASURES:
            continue
        for card in (total, cards[owner_id]):
            card.measures[key].total += n
            card.measures[key].ok += ok
    currency = settings.REPORT_CURRENCY
    closed = scope.deals.filter(closed_at__gte=scope.start, closed_at__lt=scope.end)
    for row in closed.values("owner_id", "status").annotate(
        n=Count("id"), revenue=Sum("amount", filter=Q(currency=currency))
    ):
        for card in (total, cards[row["owner_id"]]):
            if row["status"] == DealStatus.WON:
                card.won += row["n"]
                card.won_revenue += row["revenue"] or 0
            elif row["status"] == DealStatus.LOST:
                card.lost += row["n"]
    for owner_id, card in cards.items():
        card.owner = people.get(owner_id)
    result = [c for c in cards.values() if c.owner is not None]
    for card in [total, *result]:
        card.score = _score(card, weights)
    result.sort(key=lambda c: (c.score is None, -(c.score or 0), str(c.owner)))
    return total, result


def _score(card: Card, weights: dict[str, int]) -> Decimal | None:
    counted = [(weights.get(k, 0), t.pct) for k, t in card.measures.items() if t.total]
    weight = sum(w for w, _pct in counted)
    if not weight:
        return None
    return (sum(w * pct for w, pct in counted) / weight).quantize(Decimal("0.1"), ROUND_HALF_UP)
