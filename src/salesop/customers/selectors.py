from collections.abc import Callable
from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from salesop.accounts.models import User
from salesop.accounts.visibility import get_visible_or_404
from salesop.customers.models import Account, Contact, TrainingRun
from salesop.customers.rules import normalize_company
from salesop.playbook import customfields
from salesop.playbook.models import FieldModel

# Newest first; id breaks ties so keyset pages never skip or repeat a row.
ACCOUNT_ORDERING = ("-created_at", "-id")


def accounts_visible_to(
    user: User,
    *,
    search: str = "",
    created_after: date | None = None,
    custom: dict[str, str] | None = None,
) -> QuerySet[Account]:
    """The companies `user` sees, by a search of name or industry, a creation date and custom
    fields ({"custom.<key>": value}, customfields.filter_by)."""
    accounts = Account.objects.visible_to(user).select_related("owner", "team")
    if search:
        accounts = accounts.filter(Q(name__icontains=search) | Q(industry__icontains=search))
    if created_after:
        start = datetime.combine(created_after, time.min, tzinfo=timezone.get_current_timezone())
        accounts = accounts.filter(created_at__gte=start)
    return customfields.filter_by(accounts, FieldModel.ACCOUNT, custom or {})


def account_for(user: User, account_id: int) -> Account:
    return get_visible_or_404(Account.objects.select_related("owner", "team"), user, pk=account_id)


def contact_for(user: User, contact_id: int) -> Contact:
    """A contact, seen by whoever sees their company (404 otherwise)."""
    return get_object_or_404(
        Contact.objects.visible_to(user).select_related("account"), pk=contact_id
    )


def latest_training_run() -> TrainingRun | None:
    """The newest run of the profile and win-model training, for its progress on the page."""
    return TrainingRun.objects.first()


def company_finder(user: User) -> Callable[[str], Account | None]:
    """Finds a company `user` sees by how a file writes its name (case, width, punctuation and
    suffixes aside), the oldest of several; each name looked up once."""
    found: dict[str, Account | None] = {}

    def find(name: str) -> Account | None:
        key = normalize_company(name)
        if key not in found:
            visible = Account.objects.visible_to(user).filter(normalized_name=key)
            found[key] = visible.order_by("pk").first() if key else None
        return found[key]

    return find
