from datetime import date

from ninja import Query, Router, Schema, Status
from pydantic import Field

from salesop.core.api import READ_ERRORS, WRITE_ERRORS, Id, IdIn, StrictIn
from salesop.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, keyset_page
from salesop.customers import selectors, services
from salesop.customers.schemas import (
    AccountIn,
    AccountOut,
    AccountPage,
    AccountPatch,
    ContactIn,
    ContactOut,
)
from salesop.playbook.customfields import custom_filters

router = Router(tags=["accounts"])


class AccountFilters(Schema):
    q: str = Field(default="", max_length=100, description="Text in the name or industry.")
    created_after: date | None = Field(
        default=None, description="Created on or after (YYYY-MM-DD)."
    )
    cursor: str | None = Field(default=None, max_length=500)
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


@router.get(
    "/accounts",
    response={200: AccountPage, **WRITE_ERRORS},
    operation_id="accounts_list",
)
def accounts_list(request, filters: Query[AccountFilters]):
    """The companies the caller sees, newest first. A custom field filters as
    `custom.<key>=<value>` (GET /api/v1/custom-fields lists the keys)."""
    page = keyset_page(
        selectors.accounts_visible_to(
            request.user,
            search=filters.q,
            created_after=filters.created_after,
            custom=custom_filters(request.GET),
        ),
        ordering=selectors.ACCOUNT_ORDERING,
        cursor=filters.cursor,
        size=filters.page_size,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post(
    "/accounts", response={201: AccountOut, **WRITE_ERRORS}, operation_id="accounts_create"
)
def accounts_create(request, payload: AccountIn):
    return Status(201, services.account_create(by=request.user, **payload.dict()))


@router.get(
    "/accounts/{account_id}", response={200: AccountOut, **READ_ERRORS}, operation_id="accounts_get"
)
def accounts_get(request, account_id: Id):
    return selectors.account_for(request.user, account_id)


@router.patch(
    "/accounts/{account_id}",
    response={200: AccountOut, **WRITE_ERRORS},
    operation_id="accounts_update",
)
def accounts_update(request, account_id: Id, payload: AccountPatch):
    account = selectors.account_for(request.user, account_id)
    return services.account_update(
        account=account, by=request.user, **payload.dict(exclude_unset=True)
    )


class MergeIn(StrictIn):
    other_id: IdIn = Field(description="The duplicate to fold into this company.")


@router.post(
    "/accounts/{account_id}/merge",
    response={200: AccountOut, **WRITE_ERRORS},
    operation_id="accounts_merge",
)
def accounts_merge(request, account_id: Id, payload: MergeIn):
    keep = selectors.account_for(request.user, account_id)
    merge = selectors.account_for(request.user, payload.other_id)
    services.account_merge(keep=keep, merge=merge, by=request.user)
    return selectors.account_for(request.user, account_id)


@router.get(
    "/accounts/{account_id}/contacts",
    response={200: list[ContactOut], **READ_ERRORS},
    operation_id="contacts_list",
)
def contacts_list(request, account_id: Id):
    return list(selectors.account_for(request.user, account_id).contacts.all())


@router.post(
    "/accounts/{account_id}/contacts",
    response={201: ContactOut, **WRITE_ERRORS},
    operation_id="contacts_create",
)
def contacts_create(request, account_id: Id, payload: ContactIn):
    account = selectors.account_for(request.user, account_id)
    return Status(201, services.contact_create(account=account, by=request.user, **payload.dict()))
