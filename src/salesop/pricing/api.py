from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from salesop.core.api import READ_ERRORS, STATE_ERRORS, WRITE_ERRORS, Id
from salesop.deals.selectors import deal_for
from salesop.pricing import selectors, services
from salesop.pricing.schemas import (
    ApprovalOut,
    ApprovalQueueOut,
    DecideIn,
    ProductDetailOut,
    ProductOut,
    QuoteIn,
    QuoteOut,
    ReviseIn,
)

router = Router(tags=["quotes"])


@router.get(
    "/deals/{deal_id}/quotes",
    response={200: list[QuoteOut], **READ_ERRORS},
    operation_id="quotes_list",
)
def quotes_list(request, deal_id: Id):
    return list(selectors.quotes_of(deal_for(request.user, deal_id)))


@router.post(
    "/deals/{deal_id}/quotes",
    response={201: QuoteOut, **WRITE_ERRORS},
    operation_id="quotes_create",
)
def quotes_create(request, deal_id: Id, payload: QuoteIn):
    deal = deal_for(request.user, deal_id)
    quote = services.quote_create(
        deal=deal,
        by=request.user,
        lines=[line.dict() for line in payload.lines],
        payment_term_days=payload.payment_term_days,
        currency=payload.currency,
        concessions=payload.concessions,
    )
    return Status(201, quote)


@router.post(
    "/quotes/{quote_id}/submit",
    response={200: QuoteOut, **STATE_ERRORS},
    operation_id="quotes_submit",
)
def quotes_submit(request, quote_id: Id):
    return services.quote_submit(quote=selectors.quote_for(request.user, quote_id), by=request.user)


@router.post(
    "/quotes/{quote_id}/revise",
    response={201: QuoteOut, **STATE_ERRORS},
    operation_id="quotes_revise",
)
def quotes_revise(request, quote_id: Id, payload: ReviseIn):
    """A new revision with these lines, submitted at once; the old one's approvals are void."""
    revised = services.quote_revise(
        quote=selectors.quote_for(request.user, quote_id),
        by=request.user,
        lines=[line.dict() for line in payload.lines],
        payment_term_days=payload.payment_term_days,
        concessions=payload.concessions,
    )
    return Status(201, revised)


@router.post(
    "/quotes/{quote_id}/send",
    response={200: QuoteOut, **STATE_ERRORS},
    operation_id="quotes_send",
)
def quotes_send(request, quote_id: Id):
    """Marks an approved quote as sent to the customer."""
    return services.quote_send(quote=selectors.quote_for(request.user, quote_id), by=request.user)


@router.get(
    "/products",
    response={200: list[ProductOut], **READ_ERRORS},
    operation_id="products_list",
    tags=["products"],
)
def products_list(request, family: str = Query("", max_length=60)):
    products = selectors.products_on_sale()
    if family:
        products = products.filter(family=family)
    return list(products[:500])


@router.get(
    "/products/{product_id}",
    response={200: ProductDetailOut, **READ_ERRORS},
    operation_id="products_get",
    tags=["products"],
)
def products_get(request, product_id: Id):
    """A product on sale with the price policy that applies to it (its own, else its family's)."""
    product = get_object_or_404(selectors.products_on_sale(), pk=product_id)
    product.policy = selectors.policy_of(product)
    return product


@router.get(
    "/approvals",
    response={200: list[ApprovalQueueOut], **READ_ERRORS},
    operation_id="approvals_list",
)
def approvals_list(
    request, status: str = Query("pending", pattern="^(pending|approved|rejected|void)$")
):
    return selectors.approval_queue(request.user, status)


@router.post(
    "/approvals/{approval_id}/decide",
    response={200: ApprovalOut, **STATE_ERRORS},
    operation_id="approvals_decide",
)
def approvals_decide(request, approval_id: Id, payload: DecideIn):
    approval = get_object_or_404(selectors.approvals_for(request.user), pk=approval_id)
    return services.approval_decide(approval=approval, by=request.user, **payload.dict())
