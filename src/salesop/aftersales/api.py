from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Status

from salesop.aftersales import growth, projects, revisits, selectors, surveys, tickets
from salesop.aftersales.models import SurveyTrigger
from salesop.aftersales.schemas import (
    AcceptIn,
    ChurnIn,
    ChurnOut,
    DirectionIn,
    FollowUpIn,
    GrowthIn,
    GrowthOut,
    OpportunityOut,
    ProjectDetailOut,
    ProjectOut,
    ResponseIn,
    RevisitIn,
    RevisitOut,
    SurveyIn,
    SurveyOut,
    TicketIn,
    TicketOut,
    TicketResolveIn,
    UpdateOut,
    UpdateSendIn,
)
from salesop.core.api import READ_ERRORS, STATE_ERRORS, WRITE_ERRORS, Id
from salesop.core.errors import DomainError
from salesop.customers.selectors import account_for

router = Router(tags=["after-sales"])


def _project(request, project_id: Id):
    project = selectors.project_for(request.user, project_id)
    project.missing_roles = selectors.missing_roles(project)
    return project


@router.get(
    "/projects", response={200: list[ProjectOut], **READ_ERRORS}, operation_id="projects_list"
)
def projects_list(request):
    return selectors.projects_latest(request.user)


@router.get(
    "/projects/{project_id}",
    response={200: ProjectDetailOut, **READ_ERRORS},
    operation_id="projects_get",
)
def projects_get(request, project_id: Id):
    return _project(request, project_id)


@router.post(
    "/projects/{project_id}/milestones/{milestone_id}/done",
    response={200: ProjectDetailOut, **STATE_ERRORS},
    operation_id="projects_milestone_done",
)
def projects_milestone_done(request, project_id: Id, milestone_id: Id):
    project = selectors.project_for(request.user, project_id)
    milestone = selectors.milestone_of(project, milestone_id)
    projects.milestone_done(milestone=milestone, by=request.user)
    return _project(request, project_id)


@router.post(
    "/projects/{project_id}/updates/draft",
    response={200: UpdateOut, **STATE_ERRORS},
    operation_id="projects_update_draft",
)
def projects_update_draft(request, project_id: Id):
    """This week's update to the customer, drafted from the milestones."""
    return projects.update_draft(
        project=selectors.project_for(request.user, project_id), by=request.user
    )


@router.post(
    "/projects/{project_id}/updates/{update_id}/send",
    response={200: UpdateOut, **STATE_ERRORS},
    operation_id="projects_update_send",
)
def projects_update_send(request, project_id: Id, update_id: Id, payload: UpdateSendIn):
    """Emails the edited update (or, with `email: false`, records it as sent another way)."""
    project = selectors.project_for(request.user, project_id)
    update = selectors.draft_update_of(project, update_id)
    return projects.update_send(
        update=update,
        by=request.user,
        text=payload.text,
        recipients=payload.recipients,
        email=payload.email,
    )


@router.get("/tickets", response={200: list[TicketOut], **READ_ERRORS}, operation_id="tickets_list")
def tickets_list(request):
    """Open tickets visible to the caller, the nearest running deadline first."""
    return list(selectors.ticket_queue(request.user)[:200])


@router.post("/tickets", response={201: TicketOut, **WRITE_ERRORS}, operation_id="tickets_create")
def tickets_create(request, payload: TicketIn):
    account = account_for(request.user, payload.account_id)
    project = (
        selectors.project_for(request.user, payload.project_id) if payload.project_id else None
    )
    ticket = tickets.ticket_open(
        account=account,
        project=project,
        by=request.user,
        channel=payload.channel,
        severity=payload.severity,
        title=payload.title,
        description=payload.description,
        reporter=payload.reporter,
        opened_at=payload.opened_at,
    )
    return Status(201, ticket)


@router.get(
    "/tickets/{ticket_id}", response={200: TicketOut, **READ_ERRORS}, operation_id="tickets_get"
)
def tickets_get(request, ticket_id: Id):
    return selectors.ticket_for(request.user, ticket_id)


@router.post(
    "/tickets/{ticket_id}/responses",
    response={200: TicketOut, **STATE_ERRORS},
    operation_id="tickets_respond",
)
def tickets_respond(request, ticket_id: Id, payload: ResponseIn):
    """A reply to the customer; the first stops the first-response clock."""
    ticket = selectors.ticket_for(request.user, ticket_id)
    tickets.ticket_respond(
        ticket=ticket,
        by=request.user,
        body=payload.body,
        at=payload.at,
        expected_version=payload.expected_version,
    )
    return ticket


@router.post(
    "/tickets/{ticket_id}/direction",
    response={200: TicketOut, **STATE_ERRORS},
    operation_id="tickets_direction",
)
def tickets_direction(request, ticket_id: Id, payload: DirectionIn):
    ticket = selectors.ticket_for(request.user, ticket_id)
    return tickets.ticket_direction(
        ticket=ticket,
        by=request.user,
        direction=payload.direction,
        at=payload.at,
        expected_version=payload.expected_version,
    )


@router.post(
    "/tickets/{ticket_id}/resolve",
    response={200: TicketOut, **STATE_ERRORS},
    operation_id="tickets_resolve",
)
def tickets_resolve(request, ticket_id: Id, payload: TicketResolveIn | None = None):
    return tickets.ticket_resolve(
        ticket=selectors.ticket_for(request.user, ticket_id),
        by=request.user,
        expected_version=payload.expected_version if payload else None,
    )


@router.post("/surveys", response={201: SurveyOut, **WRITE_ERRORS}, operation_id="surveys_send")
def surveys_send(request, payload: SurveyIn):
    """A survey after a resolved ticket or a done milestone; answers the one-time link."""
    if payload.ticket_id:
        ticket = selectors.ticket_for(request.user, payload.ticket_id)
        survey, token = surveys.survey_send(
            by=request.user, trigger=SurveyTrigger.TICKET, ticket=ticket, email=payload.email
        )
    elif payload.milestone_id:
        milestone = selectors.milestone_for(request.user, payload.milestone_id)
        survey, token = surveys.survey_send(
            by=request.user,
            trigger=SurveyTrigger.MILESTONE,
            milestone=milestone,
            email=payload.email,
        )
    else:
        message = _("Give the resolved ticket or the done milestone the survey follows.")
        raise DomainError("invalid", message, {"ticket_id": message})
    survey.link = request.build_absolute_uri(reverse("portal:survey", args=[token]))
    return Status(201, survey)


@router.get(
    "/accounts/{account_id}/revisits",
    response={200: list[RevisitOut], **READ_ERRORS},
    operation_id="revisits_list",
)
def revisits_list(request, account_id: Id):
    return list(selectors.revisits_of(account_for(request.user, account_id)))


@router.post(
    "/revisits/{revisit_id}/record",
    response={200: RevisitOut, **WRITE_ERRORS},
    operation_id="revisits_record",
)
def revisits_record(request, revisit_id: Id, payload: RevisitIn):
    return revisits.revisit_record(
        revisit=selectors.revisit_for(request.user, revisit_id), by=request.user, **payload.dict()
    )


@router.post(
    "/revisits/{revisit_id}/follow-up",
    response={201: OpportunityOut, **WRITE_ERRORS},
    operation_id="revisits_follow_up",
)
def revisits_follow_up(request, revisit_id: Id, payload: FollowUpIn):
    """The revisit's new need as a growth deal or as a lead."""
    revisit = selectors.revisit_for(request.user, revisit_id)
    follow = revisits.revisit_to_lead if payload.as_ == "lead" else revisits.revisit_to_deal
    return Status(201, follow(revisit=revisit, by=request.user))


def _growth(account) -> dict:
    offers = selectors.growth_of(account)
    suggestion = offers["suggestion"]
    return {
        "stage": offers["stage"],
        "suggested_stage": suggestion[0] if suggestion else None,
        "suggestion_reason": suggestion[1] if suggestion else "",
        "recommendations": [
            {
                "product_id": r.product.pk,
                "product": r.product.name,
                "reason": r.reason,
                "source": r.source,
            }
            for r in offers["recommendations"]
        ],
    }


@router.get(
    "/accounts/{account_id}/growth",
    response={200: GrowthOut, **READ_ERRORS},
    operation_id="growth_get",
)
def growth_get(request, account_id: Id):
    """The customer's stage, what the playbook's rules suggest, and add-ons to recommend."""
    return _growth(account_for(request.user, account_id))


@router.put(
    "/accounts/{account_id}/growth",
    response={200: GrowthOut, **WRITE_ERRORS},
    operation_id="growth_set",
)
def growth_set(request, account_id: Id, payload: GrowthIn):
    account = account_for(request.user, account_id)
    growth.stage_set(account=account, by=request.user, stage=payload.stage, reason=payload.reason)
    return _growth(account)


@router.post(
    "/accounts/{account_id}/recommendations/accept",
    response={201: OpportunityOut, **WRITE_ERRORS},
    operation_id="growth_accept",
)
def growth_accept(request, account_id: Id, payload: AcceptIn):
    """Opens a deal for a recommended add-on, recording where it came from."""
    account = account_for(request.user, account_id)
    product = selectors.product_on_offer(payload.product_id)
    return Status(
        201,
        growth.recommendation_accept(
            account=account, by=request.user, product=product, reason=payload.reason
        ),
    )


@router.post(
    "/accounts/{account_id}/churn",
    response={201: ChurnOut, **WRITE_ERRORS},
    operation_id="accounts_churn",
)
def accounts_churn(request, account_id: Id, payload: ChurnIn):
    """Records that the customer left, why (a churn reason of the playbook) and to whom."""
    account = account_for(request.user, account_id)
    return Status(201, growth.account_churn(account=account, by=request.user, **payload.dict()))
