"""Writes for customer companies."""

import copy
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.models import User
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError, full_clean_or_refuse
from salesop.core.versioned import check_read, versioned_update
from salesop.customers import merging, rules
from salesop.customers.events import tier_changed
from salesop.customers.models import (
    Account,
    AccountMerge,
    Contact,
    Lifecycle,
    Tier,
    TrainingRun,
)
from salesop.customers.rules import normalize_company, normalize_email, normalize_phone
from salesop.customers.tasks import retrain

EDITABLE_FIELDS = ("name", "industry", "region", "website", "tier", "employee_band", "lifecycle")


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(values) - set(EDITABLE_FIELDS))
    if unknown:
        raise DomainError(
            "unknown_field",
            _("These fields cannot be set: %(fields)s.") % {"fields": ", ".join(unknown)},
            {name: _("This field cannot be set.") for name in unknown},
        )
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    if "name" in cleaned and not cleaned["name"]:
        raise DomainError("required", _("The company name is required."), {"name": _("Required.")})
    if "tier" in cleaned and cleaned["tier"] not in Tier.values:
        raise DomainError(
            "invalid_choice",
            _("Unknown tier."),
            {"tier": _("Choose from: %(tiers)s.") % {"tiers": ", ".join(Tier.values)}},
        )
    return cleaned


def _refuse_duplicate(account: Account) -> None:
    twin = Account.objects.filter(normalized_name=account.normalized_name).exclude(pk=account.pk)
    if account.normalized_name and twin.exists():
        raise DomainError(
            "duplicate",
            str(rules.ALREADY_HERE),
            {"name": _("A company with this name already exists.")},
        )


@transaction.atomic
def account_create(
    *, by: User, owner: User | None = None, allow_duplicate: bool = False, **values: Any
) -> Account:
    owner = owner or by
    account = Account(owner=owner, team=owner.team, **_clean(values))
    account.normalized_name = normalize_company(account.name)
    if not allow_duplicate:
        _refuse_duplicate(account)
    full_clean_or_refuse(account)
    with audit_actor(by):
        account.save()
    return account


STALE = gettext_lazy("Someone else changed this company a moment ago. Reload it and try again.")
CONTACT_STALE = gettext_lazy(
    "Someone else changed this contact a moment ago. Reload it and try again."
)


@transaction.atomic
def account_update(
    *, account: Account, by: User, expected_version: int | None = None, **values: Any
) -> Account:
    check_read(account, expected_version, stale=STALE)
    old_tier = account.tier
    changes = _clean(values)
    draft = copy.copy(account)  # checked as it will be; the company changes once written
    for name, value in changes.items():
        setattr(draft, name, value)
    if "name" in changes:
        changes["normalized_name"] = draft.normalized_name = normalize_company(draft.name)
        _refuse_duplicate(draft)
    full_clean_or_refuse(draft)
    versioned_update(account, by=by, stale=STALE, **changes)
    if account.tier != old_tier:
        tier_changed(account, by)
    return account


@transaction.atomic
def account_merge(*, keep: Account, merge: Account, by: User) -> AccountMerge:
    """Folds `merge` into `keep`: every record of every app that points at it moves over (deals
    with their contracts, hand-overs and delivery projects, contacts, leads, activities, tasks,
    tickets, surveys, revisits, churns... by `merging.POLICY`), empty fields are filled, viewers
    are kept; the merge is recorded with what moved, each moved row's trail says so, and
    `merge` is deleted. Refused, naming them, when it holds records that cannot move."""
    if not rules.may_merge(by):
        raise DomainError("forbidden", _("Only a sales manager or sales operations may merge."))
    if keep.pk == merge.pk:
        raise DomainError(
            "same", _("Choose two different companies."), {"other": _("Same company.")}
        )
    locked = {
        a.pk: a
        for a in Account.objects.select_for_update()
        .filter(pk__in=[keep.pk, merge.pk])
        .order_by("pk")
    }
    keep, merge = locked[keep.pk], locked[merge.pk]
    merging.refuse_unmovable(merge)
    filled = {
        name: getattr(merge, name)
        for name in ("industry", "region", "website", "employee_band")
        if not getattr(keep, name) and getattr(merge, name)
    }
    if keep.lifecycle == Lifecycle.PROSPECT and merge.lifecycle != Lifecycle.PROSPECT:
        filled["lifecycle"] = merge.lifecycle  # the duplicate was already a customer
    if merge.custom:  # the kept company's values win; the duplicate's fill the gaps
        filled["custom"] = {**merge.custom, **(keep.custom or {})}
    with audit_actor(by):
        moved = merging.move_records(keep=keep, merge=merge, by=by)
        if filled:
            versioned_update(keep, by=by, stale=STALE, **filled)
        keep.shared_with.add(*merge.shared_with.all(), merge.owner)
        record = AccountMerge.objects.create(
            kept=keep, merged_id=merge.pk, merged_name=merge.name, by=by, moved=moved
        )
        merge.delete()
    return record


@transaction.atomic
def contact_create(*, account: Account, by: User, name: str, **values: Any) -> Contact:
    """A person at the company; refused when the email or phone already belongs to someone."""
    contact = Contact(
        account=account,
        name=name.strip(),
        **{k: v.strip() if isinstance(v, str) else v for k, v in values.items()},
    )
    contact.email_normalized = normalize_email(contact.email)
    contact.phone_e164 = normalize_phone(contact.phone)
    if contact.phone and not contact.phone_e164:
        raise DomainError(
            "phone", _("Not a valid phone number."), {"phone": _("Not a valid phone number.")}
        )
    clash = {}
    if (
        contact.email_normalized
        and Contact.objects.filter(email_normalized=contact.email_normalized).exists()
    ):
        clash["email"] = _("A contact with this email already exists.")
    if contact.phone_e164 and Contact.objects.filter(phone_e164=contact.phone_e164).exists():
        clash["phone"] = _("A contact with this phone number already exists.")
    if clash:
        raise DomainError("duplicate", _("This person is already a contact."), clash)
    full_clean_or_refuse(contact)
    with audit_actor(by):
        contact.save()
    return contact


def training_start(*, by: User) -> TrainingRun:
    """Queues a rebuild of the ideal customer profile and the win model (sales ops)."""
    if not by.can_administer:
        raise DomainError("forbidden", _("Only sales operations rebuild the models."))
    run = TrainingRun.objects.create(created_by=by)
    transaction.on_commit(lambda: retrain(run.pk))
    return run
