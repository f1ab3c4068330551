from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Status

from salesop.activities import selectors, services
from salesop.activities.schemas import (
    ActivityIn,
    ActivityOut,
    MyWorkOut,
    TaskDoneIn,
    TaskIn,
    TaskOut,
)
from salesop.core.api import READ_ERRORS, WRITE_ERRORS, Id
from salesop.core.errors import DomainError
from salesop.customers.selectors import account_for
from salesop.deals.selectors import deal_for

router = Router(tags=["activities"])


def _values(payload: ActivityIn, account) -> dict:
    """The activity's fields, `contact_ids` read as the company's contacts (an id of no
    contact of this company is refused by name, never looked up elsewhere)."""
    values = payload.dict()
    ids = set(values.pop("contact_ids"))
    contacts = list(account.contacts.filter(pk__in=ids))
    if len(contacts) != len(ids):
        unknown = sorted(ids - {c.pk for c in contacts})
        raise DomainError(
            "invalid",
            _("Choose the people you spoke with among this company's contacts."),
            {"contact_ids": _("Not a contact of this company: %(ids)s") % {"ids": unknown}},
        )
    return {**values, "contacts": contacts}


@router.get(
    "/deals/{deal_id}/activities",
    response={200: list[ActivityOut], **READ_ERRORS},
    operation_id="deal_activities_list",
)
def deal_activities_list(request, deal_id: Id):
    return list(selectors.activities_of(deal_for(request.user, deal_id), request.user))


@router.post(
    "/deals/{deal_id}/activities",
    response={201: ActivityOut, **WRITE_ERRORS},
    operation_id="deal_activities_create",
)
def deal_activities_create(request, deal_id: Id, payload: ActivityIn):
    deal = deal_for(request.user, deal_id)
    activity = services.activity_log(
        by=request.user, account=deal.account, deal=deal, **_values(payload, deal.account)
    )
    return Status(201, activity)


@router.get(
    "/accounts/{account_id}/activities",
    response={200: list[ActivityOut], **READ_ERRORS},
    operation_id="account_activities_list",
)
def account_activities_list(request, account_id: Id):
    return list(selectors.activities_of(account_for(request.user, account_id), request.user))


@router.post(
    "/accounts/{account_id}/activities",
    response={201: ActivityOut, **WRITE_ERRORS},
    operation_id="account_activities_create",
)
def account_activities_create(request, account_id: Id, payload: ActivityIn):
    account = account_for(request.user, account_id)
    return Status(
        201,
        services.activity_log(by=request.user, account=account, **_values(payload, account)),
    )


@router.get("/tasks/my-work", response={200: MyWorkOut, **READ_ERRORS}, operation_id="my_work")
def my_work(request):
    """Your open tasks that are overdue or due today (in your time zone)."""
    return selectors.my_work(request.user)


@router.post("/tasks", response={201: TaskOut, **WRITE_ERRORS}, operation_id="tasks_create")
def tasks_create(request, payload: TaskIn):
    deal = deal_for(request.user, payload.deal_id) if payload.deal_id else None
    account = account_for(request.user, payload.account_id) if payload.account_id else None
    task = services.task_create(
        by=request.user,
        title=payload.title,
        due_at=payload.due_at,
        deal=deal,
        account=account,
        notes=payload.notes,
    )
    return Status(201, task)


@router.post(
    "/tasks/{task_id}/done",
    response={200: TaskOut, **WRITE_ERRORS},
    operation_id="tasks_done",
)
def tasks_done(request, task_id: Id, payload: TaskDoneIn):
    task = get_object_or_404(selectors.tasks_visible_to(request.user), pk=task_id)
    return services.task_complete(task=task, by=request.user, done=payload.done)
