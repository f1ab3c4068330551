from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from ninja import Header, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from salesop.accounts.models import User
from salesop.core.api import READ_ERRORS, STATE_ERRORS, WRITE_ERRORS, ErrorOut, Id
from salesop.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, keyset_page
from salesop.core.throttle import over_limit
from salesop.deals.schemas import DealOut
from salesop.leads import channels, selectors, services
from salesop.leads.models import Grade
from salesop.leads.rules import bant_score
from salesop.leads.schemas import (
    AssignIn,
    ChannelOut,
    ConvertIn,
    DisqualifyIn,
    IntakeIn,
    IntakeOut,
    LeadIn,
    LeadOut,
    LeadPage,
    LeadPatch,
    QualifyIn,
    ScoreOut,
)
from salesop.playbook.selectors import active_playbook

router = Router(tags=["leads"])
intake_router = Router(tags=["intake"])


class LeadQuery(Schema):
    status: str = Field(default="", max_length=32)
    grade: Grade | None = None
    channel_id: Id | None = None
    owner_id: Id | None = None
    q: str = Field(default="", max_length=100)
    fit_min: float | None = Field(
        default=None,
        ge=-1e6,
        le=1e6,
        allow_inf_nan=False,
        description="Only leads with an ICP fit at least this.",
    )
    sort: str = Field(default="newest", pattern="^(newest|score|fit)$")
    cursor: str | None = Field(default=None, max_length=500)
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def _fields(payload) -> dict:
    return payload.dict(exclude_none=True)


@router.get(
    "/channels", response={200: list[ChannelOut], **READ_ERRORS}, operation_id="channels_list"
)
def channels_list(request):
    return list(selectors.channels())


@router.get("/leads", response={200: LeadPage, **READ_ERRORS}, operation_id="leads_list")
def leads_list(request, query: Query[LeadQuery]):
    filters = selectors.LeadFilters(
        status=query.status,
        grade=query.grade or "",
        channel_id=query.channel_id,
        owner_id=query.owner_id,
        q=query.q,
        fit_min=query.fit_min,
    )
    leads = selectors.lead_list(request.user, filters, query.sort)
    page = keyset_page(
        leads,
        ordering=selectors.LEAD_ORDERINGS[query.sort],
        cursor=query.cursor,
        size=query.page_size,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/leads", response={201: LeadOut, **WRITE_ERRORS}, operation_id="leads_create")
def leads_create(request, payload: LeadIn):
    values = _fields(payload)
    channel = get_object_or_404(selectors.channels(), pk=values.pop("channel_id"))
    return Status(
        201, services.lead_create(by=request.user, channel=channel, owner=request.user, **values)
    )


@router.get("/leads/{lead_id}", response={200: LeadOut, **READ_ERRORS}, operation_id="leads_get")
def leads_get(request, lead_id: Id):
    return selectors.lead_for(request.user, lead_id)


@router.patch(
    "/leads/{lead_id}", response={200: LeadOut, **STATE_ERRORS}, operation_id="leads_update"
)
def leads_update(request, lead_id: Id, payload: LeadPatch):
    lead = selectors.lead_for(request.user, lead_id)
    return services.lead_update(lead=lead, by=request.user, **payload.dict(exclude_unset=True))


@router.get(
    "/leads/{lead_id}/score", response={200: ScoreOut, **READ_ERRORS}, operation_id="leads_score"
)
def leads_score(request, lead_id: Id):
    """The score broken down by factor: which answer gave how many points."""
    lead = selectors.lead_for(request.user, lead_id)
    return bant_score(lead.bant, active_playbook().bant, get_language() or "zh-hans")


@router.post(
    "/leads/{lead_id}/qualify",
    response={200: ScoreOut, **STATE_ERRORS},
    operation_id="leads_qualify",
)
def leads_qualify(request, lead_id: Id, payload: QualifyIn):
    lead = selectors.lead_for(request.user, lead_id)
    return services.lead_qualify(lead=lead, by=request.user, **payload.dict())


@router.post(
    "/leads/{lead_id}/disqualify",
    response={200: LeadOut, **STATE_ERRORS},
    operation_id="leads_disqualify",
)
def leads_disqualify(request, lead_id: Id, payload: DisqualifyIn):
    lead = selectors.lead_for(request.user, lead_id)
    return services.lead_disqualify(lead=lead, by=request.user, **payload.dict())


@router.post(
    "/leads/{lead_id}/assign",
    response={200: LeadOut, **STATE_ERRORS},
    operation_id="leads_assign",
)
def leads_assign(request, lead_id: Id, payload: AssignIn):
    lead = selectors.lead_for(request.user, lead_id)
    to = User.objects.filter(pk=payload.owner_id).first()  # whom they may reach: the service's
    return services.lead_assign(lead=lead, to=to, by=request.user)


@router.post(
    "/leads/{lead_id}/convert",
    response={201: DealOut, **STATE_ERRORS},
    operation_id="leads_convert",
)
def leads_convert(request, lead_id: Id, payload: ConvertIn):
    lead = selectors.lead_for(request.user, lead_id)
    return Status(201, services.lead_convert(lead=lead, by=request.user, **payload.dict()))


@intake_router.post(
    "/intake/leads",
    auth=None,
    response={
        201: IntakeOut,
        200: IntakeOut,
        401: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
        400: ErrorOut,
    },
    operation_id="intake_lead",
)
def intake_lead(
    request,
    payload: IntakeIn,
    x_channel_key: str = Header(..., alias="X-Channel-Key", max_length=100),
    idempotency_key: str = Header("", alias="Idempotency-Key", max_length=100),
):
    """Public lead intake for web forms and partner systems. Authenticated by the channel's
    intake key (`X-Channel-Key`); send an `Idempotency-Key` so a retried submission creates one
    lead (the retry answers 200 with the same id). The same key with other values answers 409
    naming the key."""
    channel = selectors.channel_by_intake_key(x_channel_key)
    if channel is None:
        raise HttpError(401, "unknown or revoked channel key")
    if over_limit(f"intake:{channel.pk}", settings.INTAKE_RATE_PER_MINUTE):
        raise HttpError(429, "too many submissions for this channel; retry in a minute")
    lead, created = channels.intake(
        channel=channel, idempotency_key=idempotency_key, **_fields(payload)
    )
    return Status(201 if created else 200, {"id": lead.pk, "created": created})
