"""Account growth (价值深耕): the customer's stage, set by hand or suggested by the playbook's
rules; add-on recommendations from the stage and from what similar customers bought, each
with its reason; accepting one opens a deal with its source recorded."""

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.aftersales.models import (
    AccountGrowth,
    Churn,
    GrowthStage,
    Opportunity,
    OpportunitySource,
    ProjectStatus,
    Revisit,
    RevisitStatus,
    Survey,
    Ticket,
    TicketStatus,
)
from salesop.contracts.models import SIGNED_STATUSES, Contract
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError
from salesop.core.time import company_date
from salesop.core.versioned import versioned_update
from salesop.customers.models import Account, Lifecycle
from salesop.customers.services import STALE as ACCOUNT_STALE
from salesop.deals.models import DealLine, DealStatus
from salesop.deals.services import deal_create
from salesop.playbook.schema import Playbook
from salesop.playbook.selectors import active_playbook
from salesop.pricing.models import Product, QuoteLine


@dataclass(frozen=True)
class Signals:
    """What the growth rules look at, over the playbook's window."""

    latest_nps: int | None
    breached_open_tickets: int
    new_needs: int
    project_delivered: bool


def signals(account: Account, playbook: Playbook) -> Signals:
    since = timezone.now() - timedelta(days=playbook.growth.window_days)
    latest = (
        Survey.objects.filter(account=account, answered_at__gte=since)
        .order_by("-answered_at")
        .values_list("nps", flat=True)
        .first()
    )
    breached = (
        Ticket.objects.filter(account=account)
        .exclude(status=TicketStatus.RESOLVED)
        .filter(
            Q(response_breach_seconds__gt=0)
            | Q(direction_breach_seconds__gt=0)
            | Q(responded_at__isnull=True, first_response_due_at__lt=timezone.now())
            | Q(direction_at__isnull=True, direction_due_at__lt=timezone.now())
        )
        .count()
    )
    needs = (
        Revisit.objects.filter(
            account=account, status=RevisitStatus.DONE, done_on__gte=company_date(since)
        )
        .exclude(new_needs="")
        .count()
    )
    delivered = account.projects.filter(status=ProjectStatus.DONE).exists()
    return Signals(latest, breached, needs, delivered)


def suggest_stage(account: Account, playbook: Playbook | None = None) -> tuple[str, str] | None:
    """The stage the first matching playbook rule suggests, with why in words; None if no
    rule matches."""
    playbook = playbook or active_playbook()
    seen = signals(account, playbook)
    for rule in playbook.growth.rules:
        when = rule.when
        reasons = []
        if when.max_nps is not None:
            if seen.latest_nps is None or seen.latest_nps > when.max_nps:
                continue
            reasons.append(_("latest NPS %(nps)d") % {"nps": seen.latest_nps})
        if when.min_breached_open_tickets is not None:
            if seen.breached_open_tickets < when.min_breached_open_tickets:
                continue
            reasons.append(
                _("%(n)d open tickets past their SLA") % {"n": seen.breached_open_tickets}
            )
        if when.min_new_needs is not None:
            if seen.new_needs < when.min_new_needs:
                continue
            reasons.append(_("%(n)d new needs heard on revisits") % {"n": seen.new_needs})
        if when.project_delivered is not None:
            if seen.project_delivered != when.project_delivered:
                continue
            reasons.append(_("delivery complete"))
        return rule.stage, "; ".join(reasons)
    return None


@transaction.atomic
def stage_set(*, account: Account, by: User | None, stage: str, reason: str = "") -> AccountGrowth:
    if stage not in GrowthStage.values:
        raise DomainError("invalid", _("Unknown stage."), {"stage": _("Unknown stage.")})
    with audit_actor(by):
        growth, _created = AccountGrowth.objects.update_or_create(
            account=account,
            defaults={
                "stage": stage,
                "set_by": by,
                "reason": (reason or "").strip()[:300],
                "updated_at": timezone.now(),
            },
        )
    return growth


@transaction.atomic
def account_churn(
    *, account: Account, by: User, reason: str, competitor: str = "", note: str = ""
) -> Churn:
    """Records that the customer left and why; the account's lifecycle becomes churned."""
    reasons = {r.key for r in active_playbook().churn_reasons}
    if reason not in reasons:
        raise DomainError(
            "churn_reason",
            _("Choose why the customer left from the list."),
            {"reason": _("Choose one of: %(keys)s.") % {"keys": ", ".join(sorted(reasons))}},
        )
    with audit_actor(by):
        churn = Churn.objects.create(
            account=account,
            reason=reason,
            competitor=competitor.strip()[:100],
            note=note.strip()[:2000],
            by=by,
        )
    versioned_update(account, by=by, stale=ACCOUNT_STALE, lifecycle=Lifecycle.CHURNED)
    return churn


def stage_of(account: Account) -> str:
    growth = AccountGrowth.objects.filter(account=account).first()
    return growth.stage if growth else GrowthStage.ONBOARDING


# --- recommendations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    product: Product
    reason: str
    source: str  # "stage" or "co_purchase"
    score: int = 0


def purchases(account: Account) -> dict[int, set[int]]:
    """Which products the account and every customer sharing a product with it bought: the
    product lines of their signed contracts, and the lines of their won imported deals
    (history has no contracts); four queries, bounded by similar customers."""
    signed = QuoteLine.objects.filter(
        product__isnull=False,
        quote__in=Contract.objects.filter(status__in=SIGNED_STATUSES).values("quote"),
    )
    imported = DealLine.objects.filter(deal__status=DealStatus.WON)
    sources = ((signed, "quote__deal__account"), (imported, "deal__account"))
    mine: set[int] = set()
    for lines, path in sources:
        mine |= set(lines.filter(**{path: account}).values_list("product_id", flat=True))
    similar = Q()
    for lines, path in sources:
        similar |= Q(pk__in=lines.filter(product__in=mine).values(path))
    customers = Account.objects.filter(similar).values("pk")
    bought: dict[int, set[int]] = {account.pk: mine}
    for lines, path in sources:
        rows = lines.filter(**{f"{path}__in": customers})
        for account_id, product_id in rows.values_list(f"{path}_id", "product_id"):
            bought.setdefault(account_id, set()).add(product_id)
    return bought


def co_purchases(bought: dict[int, set[int]], mine: set[int]) -> Counter:
    """For each product this customer lacks: how many customers bought it together with one
    of this customer's products."""
    counts: Counter = Counter()
    for products in bought.values():
        if products & mine:
            for product in products - mine:
                counts[product] += 1
    return counts


def recommendations(
    account: Account, limit: int = 5, stage: str | None = None, playbook: Playbook | None = None
) -> list[Recommendation]:
    """Add-ons for the account: the playbook's picks for its stage, then what customers who
    bought the same products also bought (at least two of them), each with its reason."""
    playbook = playbook or active_playbook()
    language = get_language() or "zh-hans"
    bought = purchases(account)
    mine = bought[account.pk]
    stage = stage or stage_of(account)
    taken = set(
        Opportunity.objects.filter(account=account, product__isnull=False).values_list(
            "product_id", flat=True
        )
    )
    by_code = {p.code: p for p in Product.objects.filter(active=True)}
    picks: list[Recommendation] = []
    for rule in playbook.growth.recommend:
        product = by_code.get(rule.product)
        if rule.stage == stage and product and product.pk not in mine | taken:
            picks.append(Recommendation(product, rule.reason.get(language), "stage"))
    chosen = {r.product.pk for r in picks}
    counts = co_purchases(bought, mine)
    products = {p.pk: p for p in Product.objects.filter(pk__in=counts, active=True)}
    for product_id, n in counts.most_common():
        if n < 2 or product_id in chosen | taken or product_id not in products:
            continue
        reason = _("%(n)d customers who bought what this customer has also bought it.") % {"n": n}
        picks.append(Recommendation(products[product_id], reason, "co_purchase", n))
    return picks[:limit]


@transaction.atomic
def recommendation_accept(
    *, account: Account, by: User, product: Product, reason: str
) -> Opportunity:
    """Opens a deal for the recommended add-on, owned by the account's owner, and records
    that it came from a recommendation and why."""
    if Opportunity.objects.filter(account=account, product=product).exists():
        raise DomainError("duplicate", _("This recommendation was already taken up."))
    deal = deal_create(
        by=by,
        account=account,
        name=_("%(product)s for %(account)s") % {"product": product.name, "account": account.name},
        amount=product.list_price,
        currency=product.currency,
        owner=account.owner,
    )
    with audit_actor(by):
        return Opportunity.objects.create(
            account=account,
            source=OpportunitySource.RECOMMENDATION,
            product=product,
            reason=(reason or "")[:300],
            deal=deal,
            created_by=by,
        )
