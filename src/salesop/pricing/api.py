from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from salesop.core.api import READ_ERRORS, STATE_ERRORS, WRITE_ERRORS, ErrorOut
from salesop.deals.selectors import deal_for
from salesop.pricing import selectors, services
from salesop.pricing.models import Quote
from salesop.pricing.schemas import ApprovalOut, DecideIn, QuoteIn, QuoteOut

router = Router(tags=["quotes"])


@router.get(
    "/deals/{deal_id}/quotes",
    response={200: list[QuoteOut], **READ_ERRORS},
    operation_id="quotes_list",
)
def quotes_list(request, deal_id: int):
    return list(selectors.quotes_of(deal_for(request.user, deal_id)))


@router.post(
    "/deals/{deal_id}/quotes",
    response={201: QuoteOut, **WRITE_ERRORS},
    operation_id="quotes_create",
)
def quotes_create(request, deal_id: int, payload: QuoteIn):
    deal = deal_for(request.user, deal_id)
    quote = services.quote_create(
        deal=deal,
        by=request.user,
        lines=[line.dict() for line in payload.lines],
        payment_term_days=payload.payment_term_days,
        currency=payload.currency,
    )
    return Status(201, quote)


@router.post(
    "/quotes/{quote_id}/submit",
    response={200: QuoteOut, **STATE_ERRORS},
    operation_id="quotes_submit",
)
def quotes_submit(request, quote_id: int):
    quote = get_object_or_404(Quote.objects.select_related("deal"), pk=quote_id)
    deal_for(request.user, quote.deal_id)  # 404 unless the deal is visible
    return services.quote_submit(quote=quote, by=request.user)


@router.get(
    "/approvals", response={200: list[ApprovalOut], **READ_ERRORS}, operation_id="approvals_list"
)
def approvals_list(
    request, status: str = Query("pending", pattern="^(pending|approved|rejected)$")
):
    return list(selectors.approvals_for(request.user).filter(status=status)[:200])


@router.post(
    "/approvals/{approval_id}/decide",
    response={200: ApprovalOut, 403: ErrorOut, **STATE_ERRORS},
    operation_id="approvals_decide",
)
def approvals_decide(request, approval_id: int, payload: DecideIn):
    approval = get_object_or_404(selectors.approvals_for(request.user), pk=approval_id)
    return services.approval_decide(approval=approval, by=request.user, **payload.dict())
