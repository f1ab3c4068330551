"""The ramp of new reps (新人成长): days from joining to the first qualified lead, the first
proposal and the first win (counting only what happened after joining), and the SOP
compliance score of the first 90 days, beside the median of their team's reps measured the
same way."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

from django.db.models import F, Min
from django.utils import timezone

from salesop.accounts.models import Role, User
from salesop.core.time import company_date
from salesop.deals.models import Deal, DealStatus, Proposal
from salesop.enablement.selectors import people_looked_after
from salesop.leads.models import LeadEvent, LeadEventKind

FIRST_DAYS = 90


@dataclass
class Ramp:
    user: User
    joined: date
    to_qualified: int | None = None
    to_proposal: int | None = None
    to_win: int | None = None
    compliance: float | None = None
    team_median: dict[str, float | None] = field(default_factory=dict)


def _days(joined: date, when) -> int | None:
    return None if when is None else (company_date(when) - joined).days


def _firsts(people: list[User]) -> dict[int, dict[str, object]]:
    ids = [p.pk for p in people]
    qualified = dict(
        LeadEvent.objects.filter(
            lead__owner_id__in=ids,
            kind=LeadEventKind.STATUS,
            to_value="qualified",
            at__gte=F("lead__owner__date_joined"),
        )
        .values_list("lead__owner_id")
        .annotate(first=Min("at"))
    )
    proposals = dict(
        Proposal.objects.filter(created_by_id__in=ids, created_at__gte=F("created_by__date_joined"))
        .values_list("created_by_id")
        .annotate(first=Min("created_at"))
    )
    wins = dict(
        Deal.objects.filter(
            owner_id__in=ids, status=DealStatus.WON, closed_at__gte=F("owner__date_joined")
        )
        .values_list("owner_id")
        .annotate(first=Min("closed_at"))
    )
    return {pk: {"q": qualified.get(pk), "p": proposals.get(pk), "w": wins.get(pk)} for pk in ids}


def _ramp(viewer: User, person: User, firsts: dict) -> Ramp:
    from salesop.insights.rules import Period
    from salesop.insights.selectors import Filters, compliance

    joined = company_date(person.date_joined)
    window = Period(joined, joined + timedelta(days=FIRST_DAYS - 1))
    total, _cards = compliance(viewer, window, Filters(owner_id=person.pk), source="live")
    return Ramp(
        user=person,
        joined=joined,
        to_qualified=_days(joined, firsts["q"]),
        to_proposal=_days(joined, firsts["p"]),
        to_win=_days(joined, firsts["w"]),
        compliance=float(total.score) if total.score is not None else None,
    )


def ramp(viewer: User, since_days: int = 365) -> list[Ramp]:
    """The people the viewer looks after who joined in the last `since_days`, each beside
    their team's median (everyone in the team, measured from their own start)."""
    looked_after = list(people_looked_after(viewer).select_related("team"))
    cutoff = timezone.now() - timedelta(days=since_days)
    hires = [p for p in looked_after if p.date_joined >= cutoff and Role.REP in p.roles]
    teams = {p.team_id for p in hires}
    members = list(
        User.objects.filter(team_id__in=teams, is_active=True, role_grants__role=Role.REP)
    )
    firsts = _firsts(members + hires)
    measured = {m.pk: _ramp(viewer, m, firsts[m.pk]) for m in members}
    rows = []
    for hire in hires:
        row = measured.get(hire.pk) or _ramp(viewer, hire, firsts[hire.pk])
        team = [r for r in measured.values() if r.user.team_id == hire.team_id]
        for key in ("to_qualified", "to_proposal", "to_win", "compliance"):
            values = [getattr(r, key) for r in team if getattr(r, key) is not None]
            row.team_median[key] = median(values) if values else None
        rows.append(row)
    return sorted(rows, key=lambda r: r.joined, reverse=True)
