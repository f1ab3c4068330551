from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from salesop.accounts.models import Role, User
from salesop.core.forms import styled
from salesop.deals.models import Deal
from salesop.deals.selectors import deal_for
from salesop.pricing.forms import MoreLines, QuoteForm, choices, styled_formset
from salesop.pricing.models import (
    Approval,
    ApprovalStatus,
    ApprovalSubject,
    Concession,
    PricePolicy,
    Product,
    Quote,
    QuoteLine,
    QuoteStatus,
)
from salesop.pricing.rules import TEAM_SCOPED_ROLES, approval_reason, may_decide


def quotes_of(deal: Deal) -> QuerySet[Quote]:
    """The deal's quotes, every revision, newest first; the caller fetched the deal through
    its visibility selector."""
    return deal.quotes.prefetch_related(
        Prefetch("lines", queryset=QuoteLine.objects.select_related("product")),
        Prefetch("approvals", queryset=Approval.objects.select_related("decided_by", "line")),
    )


def quote_for(user: User, quote_id: int) -> Quote:
    """A quote revision through its deal's visibility: 404 alike for missing and forbidden."""
    quote = get_object_or_404(Quote.objects.select_related("deal"), pk=quote_id)
    deal_for(user, quote.deal_id)
    return quote


def current_quote(deal: Deal) -> Quote | None:
    """The deal's newest quote revision (superseded revisions never count): what the gate
    checks, and what a proposal or contract may use once it is approved."""
    return deal.quotes.exclude(status=QuoteStatus.SUPERSEDED).order_by("-created_at", "-id").first()


def approvals_for(user: User) -> QuerySet[Approval]:
    """Approvals the user may decide (rules.may_decide, as a query) and the ones they asked for
    (to follow them)."""
    if user.is_superuser:
        return Approval.objects.select_related("quote__deal", "owner", "line__product", "team")
    decidable = Q(role__in=[r for r in user.roles if r not in TEAM_SCOPED_ROLES])
    for role in TEAM_SCOPED_ROLES:
        if role in user.roles:
            if user.sees_everything:
                decidable |= Q(role=role)
            elif user.team_id:
                decidable |= Q(role=role, team__path__startswith=user.team.path)
    return Approval.objects.filter(decidable | Q(owner=user)).select_related(
        "quote__deal", "owner", "line__product", "team"
    )


def approval_queue(user: User, status: str = ApprovalStatus.PENDING) -> list[Approval]:
    """The approvals page and API's list: each with what it is about in words (`detail_label`,
    a concession's label), why it went to its role (`reason`) and whether this user decides it
    (`decidable`)."""
    return _explained(user, list(approvals_for(user).filter(status=status)[:200]))


def quote_for_approver(user: User, quote_id: int) -> Quote:
    """A quote with the deal behind it, read-only, for whoever decides or asked one of its
    approvals (finance sees what it approves without seeing the team's pipeline) and for
    whoever sees the deal. 404 alike for missing and forbidden."""
    quotes = Quote.objects.select_related(
        "deal__account", "deal__owner", "deal__team", "created_by"
    ).prefetch_related(Prefetch("lines", queryset=QuoteLine.objects.select_related("product")))
    quote = get_object_or_404(quotes, pk=quote_id)
    if not approvals_for(user).filter(quote_id=quote.pk).exists():
        deal_for(user, quote.deal_id)
    return quote


def approvals_of(user: User, quote: Quote) -> list[Approval]:
    """Every approval of the quote, oldest first, explained as in the queue."""
    approvals = list(
        quote.approvals.select_related("line__product", "owner", "decided_by", "team").order_by(
            "requested_at", "id"
        )
    )
    for approval in approvals:
        approval.quote = quote
    return _explained(user, approvals)


def concessions_named(approvals: list[Approval]) -> list[Approval]:
    """Sets each approval's `detail_label`: the concession it asks for in words, from its
    quote or (a signing incentive the quote itself did not offer) the policies' catalogue, one
    query for all of them and none when every concession is the quote's own."""
    asked = {
        a.detail
        for a in approvals
        if a.subject == ApprovalSubject.CONCESSION
        and a.detail not in {c["key"] for c in a.quote.concessions}
    }
    catalogue = {c.key: c.label for c in Concession.objects.filter(key__in=asked)} if asked else {}
    for approval in approvals:
        offered = {c["key"] for c in approval.quote.concessions}
        approval.detail_label = (
            approval.quote.concession_label(approval.detail)
            if approval.detail in offered
            else catalogue.get(approval.detail, approval.detail)
        )
    return approvals


def _explained(user: User, approvals: list[Approval]) -> list[Approval]:
    for approval in concessions_named(approvals):
        approval.reason = approval_reason(
            subject=approval.subject,
            value=approval.value,
            limit=approval.limit,
            basis=approval.basis,
            role=approval.role,
            concession=approval.detail_label,
        )
        approval.decidable = may_decide(user, approval)
    return approvals


def products_on_sale() -> QuerySet[Product]:
    """The catalogue every signed-in user may quote from."""
    return Product.objects.filter(active=True)


def _policies() -> QuerySet[PricePolicy]:
    return PricePolicy.objects.prefetch_related("concessions")


def policies_for(products: Iterable[Product]) -> dict[int, PricePolicy]:
    """Each product's price policy: its own, else its family's; products without either are
    left out. Two queries whatever the number of products."""
    products = list(products)
    if not products:
        return {}
    ids = {p.pk for p in products}
    families = {p.family for p in products if p.family}
    rows = list(_policies().filter(Q(product_id__in=ids) | Q(family__in=families, family__gt="")))
    own = {p.product_id: p for p in rows if p.product_id}
    by_family = {p.family: p for p in rows if not p.product_id}
    out = {}
    for product in products:
        policy = own.get(product.pk) or by_family.get(product.family)
        if policy is not None:
            out[product.pk] = policy
    return out


def policy_of(product: Product) -> PricePolicy | None:
    return policies_for([product]).get(product.pk)


def quotes_context(deal) -> dict:
    """What the deal page's quote card shows: every revision (newest first) with its lines,
    totals and approvals, and a form for a new quote."""
    quotes = list(quotes_of(deal)[:20])
    for quote in quotes:
        quote.can_revise = deal.is_open and quote.status != QuoteStatus.SUPERSEDED
        quote.can_send = quote.status == QuoteStatus.APPROVED and quote.sent_at is None
    concessions_named([a for quote in quotes for a in quote.approvals.all()])
    # the first quote's form is on the card; later ones open it (new_quote_forms) when asked
    return {
        "quotes": quotes,
        **({} if quotes or not deal.is_open else new_quote_forms()),
        "role_labels": dict(Role.choices),
    }


def new_quote_forms() -> dict:
    """A new quote's form and its more lines, with the catalogue's products and concessions."""
    options = choices()
    return {
        "quote_form": styled(QuoteForm(choices=options)),
        "more_lines": styled_formset(MoreLines(prefix="more", form_kwargs={"choices": options})),
    }
