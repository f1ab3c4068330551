from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import get_language

from salesop.accounts.models import User
from salesop.accounts.visibility import get_visible_or_404
from salesop.activities.models import Activity
from salesop.aftersales.models import Ticket, TicketStatus
from salesop.core.money import format_money
from salesop.core.tokens import token_hash
from salesop.customers.models import Account, Contact
from salesop.deals.models import (
    ChecklistTick,
    Deal,
    DealStatus,
    Discovery,
    KeywordTag,
    Question,
    RecapLink,
    StageEvent,
    StageEventKind,
    Stakeholder,
    StakeholderRole,
)
from salesop.deals.rules import GateContext, evidence_missing, remembered
from salesop.playbook import customfields
from salesop.playbook.models import FieldModel
from salesop.playbook.registry import described
from salesop.playbook.schema import Playbook
from salesop.playbook.selectors import parsed

DEAL_ORDERING = ("-created_at", "-id")
BOARD_LIMIT_PER_STAGE = 100  # cards per column; its header counts and totals them all


@dataclass
class DealFilters:
    owner_id: int | None = None
    team_id: int | None = None
    stage: str = ""
    status: str = ""
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    close_from: date | None = None
    close_to: date | None = None
    q: str = ""
    custom: dict[str, str] = field(default_factory=dict)  # {"custom.<key>": value}


def imported_deals() -> QuerySet:
    """The ids of the deals the history import brought in: they did not run the SOP here, and
    their file said which stage each reached, not when."""
    return StageEvent.objects.filter(kind=StageEventKind.CREATED, reason="imported").values("deal")


def deals_visible_to(user: User, filters: DealFilters | None = None) -> QuerySet[Deal]:
    deals = Deal.objects.visible_to(user).select_related("owner", "team", "account")
    f = filters or DealFilters()
    if f.owner_id:
        deals = deals.filter(owner_id=f.owner_id)
    if f.team_id:
        deals = deals.filter(team_id=f.team_id)
    if f.stage:
        deals = deals.filter(stage=f.stage)
    if f.status:
        deals = deals.filter(status=f.status)
    if f.amount_min is not None:
        deals = deals.filter(amount__gte=f.amount_min)
    if f.amount_max is not None:
        deals = deals.filter(amount__lte=f.amount_max)
    if f.close_from:
        deals = deals.filter(expected_close_date__gte=f.close_from)
    if f.close_to:
        deals = deals.filter(expected_close_date__lte=f.close_to)
    if f.q:
        deals = deals.filter(name__icontains=f.q)
    return customfields.filter_by(deals, FieldModel.DEAL, f.custom)


def sees_deal(user: User, deal: Deal) -> bool:
    """Whether the deal is among those `user` sees (one query)."""
    return Deal.objects.seen_by(user, deal.pk)


def contacts_of(deal: Deal) -> QuerySet[Contact]:
    """The people of the deal's company, by name: whom a stakeholder or a recap's recipient is
    chosen from."""
    return Contact.objects.filter(account_id=deal.account_id).order_by("name")


def deal_for(user: User, deal_id: int) -> Deal:
    return get_visible_or_404(
        Deal.objects.select_related("owner", "team", "account", "playbook_version"),
        user,
        pk=deal_id,
    )


@dataclass
class BoardColumn:
    stage: str
    deals: list[Deal]
    count: int
    totals: list[str]  # one formatted sum per currency, largest first
    label: str = ""


def column_totals(
    user: User, stages: list[str], team_id: int | None = None
) -> dict[str, tuple[int, list[str]]]:
    """Each stage's open deals the user sees: how many, and their amount per currency
    (formatted, largest first). One query."""
    deals = deals_visible_to(user, DealFilters(team_id=team_id, status=DealStatus.OPEN))
    counts: dict[str, int] = {}
    sums: dict[str, list[tuple[Decimal, str]]] = {}
    rows = (
        deals.filter(stage__in=stages)
        .order_by()
        .values("stage", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    for row in rows:
        counts[row["stage"]] = counts.get(row["stage"], 0) + row["n"]
        sums.setdefault(row["stage"], []).append((row["total"] or Decimal(0), row["currency"]))
    return {
        key: (
            counts.get(key, 0),
            [format_money(t, c) for t, c in sorted(sums.get(key, []), reverse=True)],
        )
        for key in stages
    }


def board_columns(user: User, stages: list[str], team_id: int | None = None) -> list[BoardColumn]:
    """Open deals per stage (most recently moved first, capped per column), with each stage's
    full count and amount per currency; one query per stage plus one for the totals."""
    deals = deals_visible_to(user, DealFilters(team_id=team_id, status=DealStatus.OPEN))
    totals = column_totals(user, stages, team_id)
    return [
        BoardColumn(
            stage=key,
            deals=list(
                deals.filter(stage=key).order_by("-stage_entered_at", "-id")[:BOARD_LIMIT_PER_STAGE]
            ),
            count=totals[key][0],
            totals=totals[key][1],
        )
        for key in stages
    ]


def playbook_of(deal: Deal) -> Playbook:
    return parsed(deal.playbook_version)


STAGE_HISTORY_SHOWN = 50


@dataclass
class ChecklistRow:
    stage: str
    item: str
    label: str
    done: bool
    by: User | None = None
    at: datetime | None = None
    link: str = ""  # discovery | decision_chain | quotes: where the item is done
    # An item its evidence ticks: what ticks it, and what is still missing (or "").
    evidence: str = ""
    missing: str = ""


@dataclass
class DealDetail:
    """What a deal's page and API answer show besides the deal's own fields."""

    deal: Deal
    playbook: Playbook
    checklist: list[ChecklistRow]
    next_stages: list[str]
    history: list[StageEvent]


def deal_detail(deal: Deal, memo: dict | None = None) -> DealDetail:
    """The deal's checklist (evidence items asked through `memo`, shared with the page's gate
    checks), next stages and history."""
    playbook = playbook_of(deal)
    language = get_language() or "zh-hans"
    ticks = {
        (t.stage, t.item): t for t in ChecklistTick.objects.filter(deal=deal).select_related("by")
    }
    if memo is not None:  # the page's gate checks read the same ticks
        remembered(memo, "ticked", lambda: set(ticks))
    stage = playbook.stage(deal.stage)
    checklist = []
    for item in stage.checklist if stage else []:
        if item.evidence:
            context = GateContext(deal=deal, stage=stage, memo={} if memo is None else memo)
            missing = evidence_missing(context, item) or ""
            row = ChecklistRow(stage.key, item.key, item.label.get(language), not missing)
            row.link, row.missing = item.link or "", missing
            row.evidence = described(item.evidence)
            checklist.append(row)
            continue
        tick = ticks.get((stage.key, item.key))
        checklist.append(
            ChecklistRow(
                stage.key,
                item.key,
                item.label.get(language),
                tick is not None,
                tick.by if tick else None,
                tick.at if tick else None,
                item.link or "",
            )
        )
    return DealDetail(
        deal=deal,
        playbook=playbook,
        checklist=checklist,
        next_stages=playbook.next_stages(deal.stage) if deal.is_open else [],
        # the latest moves, oldest first (a deal moved back and forth for years stays one page)
        history=list(
            deal.stage_events.select_related("by").order_by("-at", "-id")[:STAGE_HISTORY_SHOWN]
        )[::-1],
    )


# --- Discovery workspace and decision chain ----------------------------------------------------


@dataclass
class DiscoveryWorkspace:
    """What discovery holds for a deal, as the page and the API show it."""

    discovery: Discovery
    call_plan: list
    needs: list
    keywords: list
    transcripts: list  # the latest TRANSCRIPTS_SHOWN
    recap_links: list  # the latest RECAP_LINKS_SHOWN sent to the customer


TRANSCRIPTS_SHOWN = 20
RECAP_LINKS_SHOWN = 10


def discovery_workspace(deal: Deal) -> DiscoveryWorkspace:
    return DiscoveryWorkspace(
        discovery=Discovery.objects.filter(deal=deal).first() or Discovery(deal=deal),
        call_plan=list(deal.call_plan.select_related("question")),
        needs=list(deal.needs.order_by("layer", "id")),
        keywords=list(deal.keywords.all()),
        transcripts=list(deal.transcripts.all()[:TRANSCRIPTS_SHOWN]),
        recap_links=list(
            deal.recap_links.select_related("contact").order_by("-sent_at", "-id")[
                :RECAP_LINKS_SHOWN
            ]
        ),
    )


def recap_link_for(token: str) -> RecapLink | None:
    """The recap link a customer's token opens (answered, expired or not), or None."""
    return (
        RecapLink.objects.select_related("deal", "deal__account", "contact")
        .filter(token_hash=token_hash(token))
        .first()
    )


def question_bank(industry: str | None = "", *, active_only: bool = True) -> QuerySet[Question]:
    """Questions for an industry: its own and those for any industry; with `industry` None,
    every industry's (the bank's own page). Retired ones only without `active_only` (for
    whoever edits the bank)."""
    questions = Question.objects.all()
    if active_only:
        questions = questions.filter(active=True)
    if industry is not None:
        questions = questions.filter(industry__in={"", industry})
    return questions


@dataclass
class RoleCell:
    role: str
    label: str
    emphasis: str
    people: list[Stakeholder]
    required: bool


def decision_chain(deal: Deal) -> list[RoleCell]:
    """The role map: every role of the decision chain with its people and what to stress."""
    playbook = playbook_of(deal)
    emphasis = playbook.emphasis(get_language() or "zh-hans")
    required = {
        "stakeholders.decision_maker_identified": StakeholderRole.DECISION_MAKER,
        "stakeholders.decision_maker_engaged": StakeholderRole.DECISION_MAKER,
        "stakeholders.finance_engaged": StakeholderRole.FINANCE,
    }
    needed = {
        role
        for stage in playbook.stages
        for name in stage.exit_criteria
        if (role := required.get(name))
    }
    people: dict[str, list[Stakeholder]] = {}
    for person in deal.stakeholders.select_related("contact").order_by("id"):
        people.setdefault(person.role, []).append(person)
    return [
        RoleCell(role, label, emphasis.get(role, ""), people.get(role, []), role in needed)
        for role, label in StakeholderRole.choices
    ]


@dataclass
class PrepBrief:
    account: Account
    past_deals: list[Deal]
    activities: list[Activity]
    open_tickets: list[Ticket]


def prep_brief(user: User, deal: Deal) -> PrepBrief:
    """What to know before the first meeting: the company, its other deals, its open support
    tickets and the latest contacts with it, as far as `user` may see them."""
    others = deals_visible_to(user).filter(account_id=deal.account_id).exclude(pk=deal.pk)
    activities = (
        Activity.objects.filter(deal__in=others.values("pk")) | Activity.objects.filter(deal=deal)
    ).select_related("by", "deal")
    return PrepBrief(
        account=deal.account,
        past_deals=list(others.order_by("-created_at")[:10]),
        activities=list(activities.order_by("-occurred_at", "-id")[:10]),
        open_tickets=list(
            Ticket.objects.visible_to(user)
            .filter(account_id=deal.account_id)
            .exclude(status=TicketStatus.RESOLVED)
            .order_by("-opened_at")[:10]
        ),
    )


def pain_tags(user: User, limit: int = 20) -> list[dict]:
    """Confirmed pain tags across the deals `user` sees, with how many deals and won deals
    name them: the ideal customer profile's "which pains buy" view."""
    return list(
        KeywordTag.objects.filter(
            confirmed=True, is_pain=True, deal__in=Deal.objects.visible_to(user).values("pk")
        )
        .values("term")
        .annotate(
            deals=Count("deal", distinct=True),
            won=Count("deal", filter=Q(deal__status=DealStatus.WON), distinct=True),
        )
        .order_by("-deals", "term")[:limit]
    )
