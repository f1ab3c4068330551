"""Contract reads, always for a user: a contract is visible with its deal, and to legal."""

from typing import Any

from django.apps import apps
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from salesop.accounts.models import Role, User
from salesop.contracts.models import (
    OPEN_STATUSES,
    ClauseDecision,
    Contract,
    ContractDocument,
    ContractStatus,
    ContractTemplate,
    LegalReview,
)
from salesop.contracts.rules import is_reviewer, may_edit
from salesop.deals.models import Deal
from salesop.pricing.models import Quote, QuoteStatus
from salesop.pricing.selectors import policies_for

DECISIONS = ClauseDecision.objects.select_related("clause")


def contracts_visible_to(user: User) -> QuerySet[Contract]:
    contracts = Contract.objects.select_related("deal__owner", "deal__account", "template")
    if not user.is_authenticated or not user.is_active:
        return contracts.none()
    if user.sees_everything or Role.LEGAL in user.roles:
        return contracts
    # The delivery team reads the signed contract it delivers (a signed contract is not edited):
    # the project's manager and members see the project, not the seller's deal.
    projects = apps.get_model("aftersales", "DeliveryProject").objects.visible_to(user)
    delivered = Q(handover__isnull=False, deal__project__in=projects.values("pk"))
    return contracts.filter(Q(deal__in=Deal.objects.visible_to(user).values("pk")) | delivered)


def contract_for(user: User, contract_id: int) -> Contract:
    """The contract with its clauses and review rounds; 404 alike for missing and forbidden."""
    queryset = (
        contracts_visible_to(user)
        .select_related("quote", "deal__team")
        .prefetch_related(
            "clauses",
            Prefetch(
                "reviews",
                queryset=LegalReview.objects.select_related(
                    "reviewer", "submitted_by"
                ).prefetch_related(
                    Prefetch("decisions", queryset=ClauseDecision.objects.select_related("clause"))
                ),
            ),
        )
    )
    try:
        return queryset.get(pk=contract_id)
    except (Contract.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def current_contract(deal: Deal) -> Contract | None:
    """The deal's newest contract that is not cancelled: what the gate checks."""
    return (
        deal.contracts.exclude(status=ContractStatus.CANCELLED)
        .order_by("-created_at", "-id")
        .first()
    )


def contracts_of(deal: Deal) -> QuerySet[Contract]:
    return deal.contracts.select_related("template").order_by("-created_at", "-id")


def review_queue(user: User) -> QuerySet[Contract]:
    """Contracts waiting for legal, oldest first, with how many clauses need a decision."""
    if not is_reviewer(user):
        return Contract.objects.none()
    return (
        Contract.objects.filter(status=ContractStatus.IN_REVIEW)
        .select_related("deal__owner", "deal__account")
        .annotate(
            flagged=Count("clauses", filter=Q(clauses__needs_review=True), distinct=True),
            rounds=Count("reviews", distinct=True),
            submitted_at=Max("reviews__submitted_at"),
        )
        .order_by("submitted_at", "id")
    )


def templates_current() -> QuerySet[ContractTemplate]:
    return ContractTemplate.objects.filter(current=True).annotate(n_clauses=Count("clauses"))


def template_for(template_id) -> ContractTemplate:
    """One template version with its clauses (every version is readable: contracts keep the
    one they were made from)."""
    return get_object_or_404(ContractTemplate.objects.prefetch_related("clauses"), pk=template_id)


def contract_sources(deal: Deal, quote_id, template_id) -> tuple[Quote, ContractTemplate]:
    """The deal's quote and the template version a new contract is asked to be made from;
    404 for a quote of another deal. Whether they may be used is the service's to say."""
    quote = get_object_or_404(Quote, pk=quote_id, deal=deal)
    return quote, get_object_or_404(ContractTemplate, pk=template_id)


def contract_file(contract: Contract, file_id) -> ContractDocument:
    """One archived file of a contract already fetched for the reader."""
    return get_object_or_404(contract.documents, pk=file_id)


def template_versions(code: str) -> QuerySet[ContractTemplate]:
    return ContractTemplate.objects.filter(code=code).select_related("created_by")


def allowed_incentives(contract: Contract) -> list[dict[str, Any]]:
    """The concessions the price policies of the quoted products allow, each once."""
    products = [line.product for line in contract.quote.lines.all() if line.product_id]
    seen: dict[str, dict[str, Any]] = {}
    for policy in policies_for(products).values():
        for concession in policy.concessions.all():
            seen.setdefault(
                concession.key,
                {
                    "key": concession.key,
                    "label_zh": concession.label_zh,
                    "label_en": concession.label_en,
                    "needs_approval": concession.needs_approval,
                    "label": concession.label,
                },
            )
    return list(seen.values())


def incentives_offerable(user: User, contract: Contract) -> list[dict[str, Any]]:
    """The incentives `user` may still offer on the contract, as the service would accept
    them: none unless they edit it; else allowed by the price policy, not offered yet, while
    the contract is open. The page's choices and the API's list are this one answer."""
    if contract.status not in OPEN_STATUSES or not may_edit(user, contract):
        return []
    offered = {i.key for i in contract.incentives.all()}
    return [c for c in allowed_incentives(contract) if c["key"] not in offered]


def deal_card_context(deal: Deal, quotes: list[Quote]) -> dict:
    """The deal page's contract card: the deal's contracts and, when the current quote (the
    newest of `quotes`, the deal's quotes newest first) is approved, the form to make one."""
    contracts = list(contracts_of(deal)[:20])
    open_one = next((c for c in contracts if c.status in OPEN_STATUSES), None)
    quote = next((q for q in quotes if q.status != QuoteStatus.SUPERSEDED), None)
    approved = quote if quote is not None and quote.status == QuoteStatus.APPROVED else None
    offer = approved is not None and open_one is None and deal.is_open
    return {
        "contracts": contracts,
        "contract_quote": approved,
        "contract_templates": list(templates_current()) if offer else [],
        "contract_open": open_one,
    }
