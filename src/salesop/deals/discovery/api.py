"""The discovery workspace and the decision chain over the API: the same services as the
pages, scoped by the deal's visibility (another team's deal answers 404)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from salesop.core.api import READ_ERRORS, WRITE_ERRORS, Id
from salesop.core.errors import DomainError
from salesop.customers.models import Contact
from salesop.deals import selectors
from salesop.deals.discovery import services
from salesop.deals.schemas import (
    CallPlanIn,
    CallPlanItemOut,
    DiscoveryOut,
    EngagedIn,
    KeywordConfirmIn,
    KeywordIn,
    KeywordOut,
    NeedIn,
    NeedOut,
    PrepIn,
    QuestionIn,
    QuestionOut,
    RecapConfirmIn,
    RecapGenerateIn,
    RecapIn,
    RecapLinkIn,
    RecapLinkOut,
    StakeholderIn,
    StakeholderOut,
    TranscriptIn,
    TranscriptOut,
)

router = Router(tags=["discovery"])
NO_CONTENT = {204: None, **WRITE_ERRORS}


def _workspace(deal) -> dict:
    space = selectors.discovery_workspace(deal)
    discovery = space.discovery
    return {
        **{f: getattr(discovery, f) for f in DiscoveryOut.model_fields if hasattr(discovery, f)},
        "needs": space.needs,
        "keywords": space.keywords,
        "call_plan": space.call_plan,
        "transcripts": space.transcripts,
    }


@router.get(
    "/deals/{deal_id}/discovery",
    response={200: DiscoveryOut, **READ_ERRORS},
    operation_id="discovery_get",
)
def discovery_get(request, deal_id: Id):
    return _workspace(selectors.deal_for(request.user, deal_id))


@router.put(
    "/deals/{deal_id}/discovery/prep",
    response={200: DiscoveryOut, **WRITE_ERRORS},
    operation_id="discovery_prep_save",
)
def discovery_prep_save(request, deal_id: Id, payload: PrepIn):
    deal = selectors.deal_for(request.user, deal_id)
    services.prep_save(deal=deal, by=request.user, **payload.dict())
    return _workspace(deal)


@router.post(
    "/deals/{deal_id}/needs", response={201: NeedOut, **WRITE_ERRORS}, operation_id="needs_add"
)
def needs_add(request, deal_id: Id, payload: NeedIn):
    deal = selectors.deal_for(request.user, deal_id)
    return Status(201, services.need_add(deal=deal, by=request.user, **payload.dict()))


@router.delete("/deals/{deal_id}/needs/{need_id}", response=NO_CONTENT, operation_id="needs_remove")
def needs_remove(request, deal_id: Id, need_id: Id):
    deal = selectors.deal_for(request.user, deal_id)
    services.need_remove(need=get_object_or_404(deal.needs, pk=need_id), by=request.user)
    return Status(204, None)


@router.post(
    "/deals/{deal_id}/call-plan",
    response={200: list[CallPlanItemOut], **WRITE_ERRORS},
    operation_id="call_plan_add",
)
def call_plan_add(request, deal_id: Id, payload: CallPlanIn):
    deal = selectors.deal_for(request.user, deal_id)
    bank = selectors.question_bank(deal.account.industry)
    questions = list(bank.filter(pk__in=payload.question_ids))
    if len(questions) != len(set(payload.question_ids)):
        raise DomainError(
            "unknown_question",
            _("Some questions are not in the bank for this industry."),
            {"question_ids": _("Unknown or retired question.")},
        )
    services.call_plan_add(deal=deal, by=request.user, questions=questions)
    return list(deal.call_plan.select_related("question"))


@router.post(
    "/deals/{deal_id}/keywords/extract",
    response={200: list[KeywordOut], **WRITE_ERRORS},
    operation_id="keywords_extract",
)
def keywords_extract(request, deal_id: Id):
    deal = selectors.deal_for(request.user, deal_id)
    return services.keywords_extract(deal=deal, by=request.user)


@router.post(
    "/deals/{deal_id}/keywords",
    response={201: KeywordOut, **WRITE_ERRORS},
    operation_id="keywords_add",
)
def keywords_add(request, deal_id: Id, payload: KeywordIn):
    deal = selectors.deal_for(request.user, deal_id)
    return Status(201, services.keyword_add(deal=deal, by=request.user, **payload.dict()))


@router.post(
    "/deals/{deal_id}/keywords/{keyword_id}/confirm",
    response={200: KeywordOut, 204: None, **WRITE_ERRORS},
    operation_id="keywords_confirm",
)
def keywords_confirm(request, deal_id: Id, keyword_id: Id, payload: KeywordConfirmIn):
    """Keeps a suggested keyword (saying whether it names a pain) or drops it (204)."""
    deal = selectors.deal_for(request.user, deal_id)
    tag = get_object_or_404(deal.keywords, pk=keyword_id)
    tag = services.keyword_confirm(tag=tag, by=request.user, **payload.dict())
    return tag if payload.confirmed else Status(204, None)


@router.post(
    "/deals/{deal_id}/recap/generate",
    response={200: DiscoveryOut, **WRITE_ERRORS},
    operation_id="recap_generate",
)
def recap_generate(request, deal_id: Id, payload: RecapGenerateIn):
    deal = selectors.deal_for(request.user, deal_id)
    services.recap_generate(deal=deal, by=request.user, language=payload.language)
    return _workspace(deal)


@router.put(
    "/deals/{deal_id}/recap",
    response={200: DiscoveryOut, **WRITE_ERRORS},
    operation_id="recap_save",
)
def recap_save(request, deal_id: Id, payload: RecapIn):
    deal = selectors.deal_for(request.user, deal_id)
    services.recap_save(deal=deal, by=request.user, text=payload.text)
    return _workspace(deal)


@router.post(
    "/deals/{deal_id}/recap/links",
    response={201: RecapLinkOut, **WRITE_ERRORS},
    operation_id="recap_link_send",
)
def recap_link_send(request, deal_id: Id, payload: RecapLinkIn):
    """Sends a contact of the deal's company a one-time link to confirm or correct the recap
    (emailed when they have an address); the answer carries the link to pass on by chat."""
    deal = selectors.deal_for(request.user, deal_id)
    contact = get_object_or_404(Contact, pk=payload.contact_id, account_id=deal.account_id)
    link, token = services.recap_send(deal=deal, by=request.user, contact=contact)
    return Status(
        201,
        {
            "id": link.pk,
            "url": services.recap_link_url(token),
            "contact_id": link.contact_id,
            "sent_at": link.sent_at,
            "expires_at": link.expires_at,
        },
    )


@router.post(
    "/deals/{deal_id}/recap/confirm",
    response={200: DiscoveryOut, **WRITE_ERRORS},
    operation_id="recap_confirm",
)
def recap_confirm(request, deal_id: Id, payload: RecapConfirmIn):
    """The rep marks the recap confirmed on the customer's behalf (status `marked`); the
    customer's own confirmation comes through the link (status `confirmed`)."""
    deal = selectors.deal_for(request.user, deal_id)
    services.recap_confirm(deal=deal, by=request.user, note=payload.note)
    return _workspace(deal)


@router.post(
    "/deals/{deal_id}/transcripts",
    response={201: TranscriptOut, **WRITE_ERRORS},
    operation_id="transcripts_add",
)
def transcripts_add(request, deal_id: Id, payload: TranscriptIn):
    """A plain-text or WebVTT transcript with speaker labels; answers the talk ratio."""
    deal = selectors.deal_for(request.user, deal_id)
    transcript = services.transcript_upload(
        deal=deal,
        by=request.user,
        filename=payload.filename,
        content=payload.text.encode(),
        rep_speaker=payload.rep_speaker,
    )
    return Status(201, transcript)


@router.get(
    "/questions", response={200: list[QuestionOut], **READ_ERRORS}, operation_id="questions_list"
)
def questions_list(request, industry: str = Query("", max_length=100)):
    return list(selectors.question_bank(industry).order_by("layer", "id")[:500])


@router.post(
    "/questions", response={201: QuestionOut, **WRITE_ERRORS}, operation_id="questions_create"
)
def questions_create(request, payload: QuestionIn):
    """Sales operations add a question to the bank; a closed question is flagged."""
    return Status(201, services.question_create(by=request.user, **payload.dict()))


def _with_emphasis(deal, people):
    emphasis = selectors.playbook_of(deal).emphasis(get_language() or "zh-hans")
    for person in people:
        person.emphasis = emphasis.get(person.role, "")
    return people


@router.get(
    "/deals/{deal_id}/stakeholders",
    response={200: list[StakeholderOut], **READ_ERRORS},
    operation_id="stakeholders_list",
)
def stakeholders_list(request, deal_id: Id):
    """The decision chain, each person with what the playbook says to stress for their role."""
    deal = selectors.deal_for(request.user, deal_id)
    return _with_emphasis(deal, list(deal.stakeholders.select_related("contact")))


@router.post(
    "/deals/{deal_id}/stakeholders",
    response={201: StakeholderOut, **WRITE_ERRORS},
    operation_id="stakeholders_add",
)
def stakeholders_add(request, deal_id: Id, payload: StakeholderIn):
    deal = selectors.deal_for(request.user, deal_id)
    values = payload.dict(exclude={"contact_id"})
    contact = None
    if payload.contact_id is not None:
        contact = get_object_or_404(Contact, pk=payload.contact_id, account_id=deal.account_id)
    person = services.stakeholder_add(deal=deal, by=request.user, contact=contact, **values)
    return Status(201, _with_emphasis(deal, [person])[0])


@router.post(
    "/deals/{deal_id}/stakeholders/{stakeholder_id}/engaged",
    response={200: StakeholderOut, **WRITE_ERRORS},
    operation_id="stakeholders_engaged",
)
def stakeholders_engaged(request, deal_id: Id, stakeholder_id: Id, payload: EngagedIn):
    deal = selectors.deal_for(request.user, deal_id)
    person = get_object_or_404(deal.stakeholders.select_related("contact"), pk=stakeholder_id)
    services.stakeholder_engaged(stakeholder=person, by=request.user, at=payload.at)
    return _with_emphasis(deal, [person])[0]


@router.delete(
    "/deals/{deal_id}/stakeholders/{stakeholder_id}",
    response=NO_CONTENT,
    operation_id="stakeholders_remove",
)
def stakeholders_remove(request, deal_id: Id, stakeholder_id: Id):
    deal = selectors.deal_for(request.user, deal_id)
    person = get_object_or_404(deal.stakeholders, pk=stakeholder_id)
    services.stakeholder_remove(stakeholder=person, by=request.user)
    return Status(204, None)
