"""Writes for customer companies."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError, full_clean_or_refuse
from salesop.customers.models import Account, Tier

EDITABLE_FIELDS = ("name", "industry", "region", "website", "tier")


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


@transaction.atomic
def account_create(*, by: User, owner: User | None = None, **values: Any) -> Account:
    owner = owner or by
    account = Account(owner=owner, team=owner.team, **_clean(values))
    full_clean_or_refuse(account)
    with audit_actor(by):
        account.save()
    return account


@transaction.atomic
def account_update(*, account: Account, by: User, **values: Any) -> Account:
    for name, value in _clean(values).items():
        setattr(account, name, value)
    full_clean_or_refuse(account)
    with audit_actor(by):
        account.save()
    return account
