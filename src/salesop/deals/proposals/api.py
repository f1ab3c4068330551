"""Proposals and objections through the API, scoped by the deal's visibility."""

from typing import Annotated

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from salesop.core.api import READ_ERRORS, WRITE_ERRORS, Id
from salesop.core.errors import DomainError
from salesop.deals import objections
from salesop.deals.models import ObjectionCategory, Proposal, ProposalAudience
from salesop.deals.proposals import services as proposals
from salesop.deals.proposals.schemas import (
    DealObjectionIn,
    DealObjectionOut,
    ObjectionEntryOut,
    PresentIn,
    ProposalIn,
    ProposalOut,
    ProposalSummaryOut,
    ResolveIn,
    RoiIn,
    RowsIn,
    ValueRowOut,
)
from salesop.deals.proposals.selectors import (
    library_answer_for,
    objection_for,
    objection_library,
    objections_of,
    proposal_by_id,
    proposals_of,
)
from salesop.deals.selectors import deal_for

router = Router(tags=["proposals"])


def _out(proposal: Proposal) -> dict:
    figures = proposals.figures_of(proposal)
    roi = None
    if figures is not None:
        roi = {
            **figures.__dict__,
            "benefits": [line.__dict__ for line in proposals.parse_benefits(proposal.roi_benefits)],
        }
    return {
        **{
            name: getattr(proposal, name)
            for name in (
                "id",
                "deal_id",
                "number",
                "title",
                "audience",
                "status",
                "currency",
                "delivered_at",
                "created_at",
            )
        },
        "rows": list(proposal.rows.all()),
        "roi": roi,
    }


def _rows(payload: RowsIn) -> list[proposals.RowInput]:
    return [proposals.RowInput(**row.dict()) for row in payload.rows]


@router.get(
    "/deals/{deal_id}/proposals",
    response={200: list[ProposalSummaryOut], **READ_ERRORS},
    operation_id="proposals_list",
)
def proposals_list(request, deal_id: Id):
    return list(proposals_of(deal_for(request.user, deal_id)))


@router.post(
    "/deals/{deal_id}/proposals",
    response={201: ProposalOut, **WRITE_ERRORS},
    operation_id="proposals_create",
)
def proposals_create(request, deal_id: Id, payload: ProposalIn):
    """Starts the next version; it copies the latest version's rows and ROI inputs."""
    deal = deal_for(request.user, deal_id)
    proposal = proposals.proposal_create(
        deal=deal, by=request.user, title=payload.title, audience=payload.audience or ""
    )
    return Status(201, _out(proposal))


@router.get(
    "/proposals/{proposal_id}",
    response={200: ProposalOut, **READ_ERRORS},
    operation_id="proposals_get",
)
def proposals_get(request, proposal_id: Id):
    return _out(proposal_by_id(request.user, proposal_id))


@router.post(
    "/proposals/{proposal_id}/versions",
    response={201: ProposalOut, **WRITE_ERRORS},
    operation_id="proposals_new_version",
)
def proposals_new_version(request, proposal_id: Id):
    """A new version of the deal's proposal, starting from this one."""
    source = proposal_by_id(request.user, proposal_id)
    proposal = proposals.proposal_create(deal=source.deal, by=request.user, source=source)
    return Status(201, _out(proposal))


@router.post(
    "/proposals/{proposal_id}/rows",
    response={201: list[ValueRowOut], **WRITE_ERRORS},
    operation_id="proposals_rows_add",
)
def proposals_rows_add(request, proposal_id: Id, payload: RowsIn):
    """Appends value rows; all or none (a problem is named as `rows[i].field`)."""
    proposal = proposal_by_id(request.user, proposal_id)
    return Status(
        201, proposals.value_rows_add(proposal=proposal, by=request.user, rows=_rows(payload))
    )


@router.put(
    "/proposals/{proposal_id}/rows",
    response={200: list[ValueRowOut], **WRITE_ERRORS},
    operation_id="proposals_rows_replace",
)
def proposals_rows_replace(request, proposal_id: Id, payload: RowsIn):
    proposal = proposal_by_id(request.user, proposal_id)
    return proposals.value_rows_replace(proposal=proposal, by=request.user, rows=_rows(payload))


@router.put(
    "/proposals/{proposal_id}/roi",
    response={200: ProposalOut, **WRITE_ERRORS},
    operation_id="proposals_roi_set",
)
def proposals_roi_set(request, proposal_id: Id, payload: RoiIn):
    """Saves the ROI calculator's inputs; the answer carries payback months and ROI %."""
    proposal = proposal_by_id(request.user, proposal_id)
    proposals.proposal_roi_set(
        proposal=proposal,
        by=request.user,
        investment=payload.investment,
        benefits=[line.dict() for line in payload.benefits],
        horizon_years=payload.horizon_years,
        currency=payload.currency,
    )
    return _out(proposal)


@router.post(
    "/proposals/{proposal_id}/present",
    response={200: ProposalOut, **WRITE_ERRORS},
    operation_id="proposals_present",
)
def proposals_present(request, proposal_id: Id, payload: PresentIn):
    """Logs the presentation (a meeting with its duration) and marks the version delivered."""
    proposal = proposal_by_id(request.user, proposal_id)
    proposals.proposal_present(proposal=proposal, by=request.user, **payload.dict())
    return _out(proposal)


@router.get(
    "/proposals/{proposal_id}/docx",
    response={**READ_ERRORS},
    operation_id="proposals_export_docx",
    openapi_extra={
        "responses": {
            200: {
                "description": "The proposal as a Word document.",
                "content": {
                    proposals.DOCX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def proposals_export_docx(request, proposal_id: Id, audience: ProposalAudience | None = None):
    proposal = proposal_by_id(request.user, proposal_id)
    content = proposals.proposal_docx(proposal=proposal, audience=audience)
    response = HttpResponse(content, content_type=proposals.DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{proposals.docx_filename(proposal)}"'
    return response


@router.get(
    "/objections/library",
    response={200: list[ObjectionEntryOut], **READ_ERRORS},
    operation_id="objections_library",
)
def objections_library(
    request,
    category: ObjectionCategory | None = None,
    industry: Annotated[str | None, Query(max_length=100)] = None,
):
    """Active library answers; with `industry`, those for it and those for every industry."""
    return list(objection_library(industry, category or "")[:500])


@router.get(
    "/deals/{deal_id}/objections",
    response={200: list[DealObjectionOut], **READ_ERRORS},
    operation_id="deal_objections_list",
)
def deal_objections_list(request, deal_id: Id):
    return list(objections_of(deal_for(request.user, deal_id)))


@router.post(
    "/deals/{deal_id}/objections",
    response={201: DealObjectionOut, **WRITE_ERRORS},
    operation_id="deal_objections_create",
)
def deal_objections_create(request, deal_id: Id, payload: DealObjectionIn):
    deal = deal_for(request.user, deal_id)
    entry = None
    if payload.entry_id is not None:
        entry = library_answer_for(deal, payload.entry_id)
        if entry is None:
            raise DomainError(
                "invalid", _("Unknown library answer."), {"entry_id": _("Choose one.")}
            )
    objection = objections.objection_raise(
        deal=deal,
        by=request.user,
        entry=entry,
        **payload.dict(exclude={"entry_id"}, exclude_none=True),
    )
    return Status(201, objection)


@router.post(
    "/deals/{deal_id}/objections/{objection_id}/resolve",
    response={200: DealObjectionOut, **WRITE_ERRORS},
    operation_id="deal_objections_resolve",
)
def deal_objections_resolve(request, deal_id: Id, objection_id: Id, payload: ResolveIn):
    objection = objection_for(request.user, deal_id, objection_id)
    return objections.objection_resolve(objection=objection, by=request.user, **payload.dict())
