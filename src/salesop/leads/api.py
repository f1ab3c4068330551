import json

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import File, Form, Header, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from pydantic import Field

from salesop.accounts.models import User
from salesop.core.api import READ_ERRORS, STATE_ERRORS, WRITE_ERRORS, ErrorOut, Id
from salesop.core.errors import DomainError
from salesop.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, keyset_page
from salesop.core.throttle import over_limit
from salesop.deals.schemas import DealOut
from salesop.leads import channels, jobs, selectors, services
from salesop.leads.models import Grade
from salesop.leads.rules import bant_score
from salesop.leads.schemas import (
    AssignIn,
    ChannelOut,
    ConvertIn,
    DisqualifyIn,
    ImportIn,
    ImportOut,
    IntakeIn,
    IntakeOut,
    LeadIn,
    LeadOut,
    LeadPage,
    LeadPatch,
    QualifyIn,
    ScoreOut,
)
from salesop.playbook.customfields import custom_filters
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
        custom=custom_filters(request.GET),
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


# Imports -----------------------------------------------------------------------------------


def _json_object(text: str, name: str) -> dict:
    """A form field holding a JSON object ({} when empty), or a 422 naming the field."""
    try:
        value = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        value = exc
    if not isinstance(value, dict):
        message = _("Not a JSON object: %(e)s") % {"e": str(value)[:200]}
        raise DomainError(name, message, {name: message})
    return value


@router.post("/imports", response={201: ImportOut, **WRITE_ERRORS}, operation_id="imports_create")
def imports_create(request, payload: Form[ImportIn], file: File[UploadedFile] = None):
    """Uploads a spreadsheet (CSV or XLSX, multipart field `file`) and starts importing it in
    the background, as `salesop import` does; poll `GET /imports/{id}` for its progress. The
    same rules as the import page: history deals only by sales operations (403), owners and
    duplicates only among what the importer sees. A file, mapping or option refused answers
    422 and leaves no import behind."""
    mapping = _json_object(payload.mapping, "mapping")
    value_map = _json_object(payload.value_map, "value_map")
    if not all(isinstance(v, str) for v in mapping.values()) or not all(
        isinstance(pairs, dict) and all(isinstance(v, str) for v in pairs.values())
        for pairs in value_map.values()
    ):
        message = _("Map each column to a field name, each value to one of ours (text).")
        raise DomainError("mapping", message, {"mapping": message})
    channel = None
    if payload.channel_id is not None:
        channel = selectors.channels().filter(pk=payload.channel_id, is_active=True).first()
    job = jobs.import_create(
        by=request.user,
        upload=file,
        kind=payload.kind,
        channel=channel,
        mapping=mapping,
        value_map=value_map,
        dedupe=payload.dedupe,
        all_or_nothing=not payload.valid_only,
        dry_run=payload.dry_run,
        date_order=payload.date_order,
        create_owners=payload.create_owners,
    )
    return Status(201, job)


@router.get(
    "/imports/{job_id}", response={200: ImportOut, **READ_ERRORS}, operation_id="imports_get"
)
def imports_get(request, job_id: Id):
    """An import's status, counts, first errors and where its error report is: yours (sales
    operations: anyone's)."""
    return selectors.import_for(request.user, job_id)


@router.post(
    "/imports/{job_id}/resume",
    response={200: ImportOut, **STATE_ERRORS},
    operation_id="imports_resume",
)
def imports_resume(request, job_id: Id):
    """Runs again an import that stopped before its end (`resumable`): a valid-rows import
    continues after the last row it wrote, no row written twice; one that was all-or-nothing
    or a dry run, which left nothing, from the start. Its creator or sales operations."""
    job = selectors.import_for(request.user, job_id)
    return jobs.import_resume(job=job, by=request.user)


@router.get(
    "/imports/{job_id}/errors.csv",
    response={**READ_ERRORS},
    operation_id="imports_errors",
    url_name="imports_errors",
    openapi_extra={
        "responses": {
            200: {
                "description": "Every refused row: row, column, reason (UTF-8 with BOM).",
                "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def imports_errors(request, job_id: Id):
    job = selectors.import_for(request.user, job_id)
    if not job.error_report:
        raise Http404
    return FileResponse(
        job.error_report.open("rb"),
        as_attachment=True,
        filename=f"import-{job.pk}-errors.csv",
        content_type="text/csv",
    )
