from datetime import date

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from salesop.core.api import READ_ERRORS, STATE_ERRORS, WRITE_ERRORS, DecimalIn, Id
from salesop.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, keyset_page
from salesop.customers.selectors import accounts_visible_to
from salesop.deals import selectors, services
from salesop.deals.models import DealStatus
from salesop.deals.schemas import (
    DealDetailOut,
    DealIn,
    DealOut,
    DealPage,
    DealPatch,
    GateOut,
    LostIn,
    MoveIn,
    ReopenIn,
    TickIn,
)
from salesop.playbook.customfields import custom_filters

router = Router(tags=["deals"])


class DealQuery(Schema):
    owner_id: Id | None = None
    team_id: Id | None = None
    stage: str = Field(default="", max_length=32)
    status: DealStatus | None = None
    amount_min: DecimalIn() | None = None
    amount_max: DecimalIn() | None = None
    close_from: date | None = None
    close_to: date | None = None
    q: str = Field(default="", max_length=100)
    cursor: str | None = Field(default=None, max_length=500)
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def detail(deal):
    """The deal with its page's extras, shaped for DealDetailOut."""
    extra = selectors.deal_detail(deal)
    deal.next_stages = extra.next_stages
    deal.checklist = [
        {**row.__dict__, "by": str(row.by) if row.by else None} for row in extra.checklist
    ]
    deal.history = [
        {
            "kind": e.kind,
            "from_stage": e.from_stage,
            "to_stage": e.to_stage,
            "at": e.at,
            "by": str(e.by) if e.by else None,
            "seconds_in_previous": e.seconds_in_previous,
            "override_reason": e.override_reason,
            "unmet": e.unmet,
            "reason": e.reason,
        }
        for e in extra.history
    ]
    return deal


@router.get("/deals", response={200: DealPage, **READ_ERRORS}, operation_id="deals_list")
def deals_list(request, query: Query[DealQuery]):
    """The deals the caller sees, newest first. A custom field filters as
    `custom.<key>=<value>` (GET /api/v1/custom-fields lists the keys)."""
    filters = selectors.DealFilters(
        **query.dict(exclude={"cursor", "page_size"}, exclude_none=True),
        custom=custom_filters(request.GET),
    )
    page = keyset_page(
        selectors.deals_visible_to(request.user, filters),
        ordering=selectors.DEAL_ORDERING,
        cursor=query.cursor,
        size=query.page_size,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/deals", response={201: DealOut, **WRITE_ERRORS}, operation_id="deals_create")
def deals_create(request, payload: DealIn):
    account = get_object_or_404(accounts_visible_to(request.user), pk=payload.account_id)
    deal = services.deal_create(
        by=request.user, account=account, **payload.dict(exclude={"account_id"})
    )
    return Status(201, deal)


@router.get(
    "/deals/{deal_id}", response={200: DealDetailOut, **READ_ERRORS}, operation_id="deals_get"
)
def deals_get(request, deal_id: Id):
    return detail(selectors.deal_for(request.user, deal_id))


@router.patch(
    "/deals/{deal_id}", response={200: DealOut, **STATE_ERRORS}, operation_id="deals_update"
)
def deals_update(request, deal_id: Id, payload: DealPatch):
    deal = selectors.deal_for(request.user, deal_id)
    values = payload.dict(exclude_unset=True)
    expected = values.pop("expected_version", None)
    return services.deal_update(deal=deal, by=request.user, expected_version=expected, **values)


@router.get(
    "/deals/{deal_id}/gate", response={200: GateOut, **READ_ERRORS}, operation_id="deals_gate"
)
def deals_gate(request, deal_id: Id, to_stage: str = Query(..., max_length=32)):
    """What stands between the deal and `to_stage`, without moving it."""
    deal = selectors.deal_for(request.user, deal_id)
    failures = services.move_check(deal=deal, to_stage=to_stage, by=request.user)
    return {"to_stage": to_stage, "allowed": not failures, "failures": failures}


@router.post(
    "/deals/{deal_id}/move",
    response={200: DealDetailOut, **STATE_ERRORS},
    operation_id="deals_move",
)
def deals_move(request, deal_id: Id, payload: MoveIn):
    deal = selectors.deal_for(request.user, deal_id)
    services.deal_move(deal=deal, by=request.user, **payload.dict())
    return detail(deal)


@router.post(
    "/deals/{deal_id}/lost",
    response={200: DealDetailOut, **STATE_ERRORS},
    operation_id="deals_lost",
)
def deals_lost(request, deal_id: Id, payload: LostIn):
    deal = selectors.deal_for(request.user, deal_id)
    services.deal_mark_lost(deal=deal, by=request.user, **payload.dict())
    return detail(deal)


@router.post(
    "/deals/{deal_id}/reopen",
    response={200: DealDetailOut, **STATE_ERRORS},
    operation_id="deals_reopen",
)
def deals_reopen(request, deal_id: Id, payload: ReopenIn):
    deal = selectors.deal_for(request.user, deal_id)
    services.deal_reopen(deal=deal, by=request.user, **payload.dict())
    return detail(deal)


@router.post(
    "/deals/{deal_id}/checklist",
    response={200: DealDetailOut, **STATE_ERRORS},
    operation_id="deals_checklist_tick",
)
def deals_checklist_tick(request, deal_id: Id, payload: TickIn):
    deal = selectors.deal_for(request.user, deal_id)
    services.checklist_tick(deal=deal, by=request.user, **payload.dict())
    return detail(deal)
