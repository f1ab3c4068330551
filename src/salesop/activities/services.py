"""Writes for activities and tasks."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.activities import rules
from salesop.activities.events import activity_logged, task_assigned
from salesop.activities.models import Activity, Task
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError, full_clean_or_refuse
from salesop.customers.models import Account, Contact
from salesop.deals.models import Deal
from salesop.leads.models import Lead


def _on_its_deal(lead: Lead | None, account: Account | None, deal: Deal | None):
    """(account, deal) a record made on `lead` belongs to: a converted lead's are its deal's
    (seen by whoever sees the deal, not by everyone who sees the company)."""
    if lead is not None and lead.deal_id and deal is None:
        deal = lead.deal
        account = deal.account
    return account, deal


# What a CRM's history reaches back to: an earlier year is a typing slip.
EARLIEST_YEAR = 2000


@transaction.atomic
def activity_log(
    *,
    by: User,
    account: Account | None,
    kind: str,
    subject: str,
    outcome: str,
    deal: Deal | None = None,
    lead: Lead | None = None,
    occurred_at: datetime | None = None,
    duration_minutes: int = 0,
    notes: str = "",
    contacts: Iterable[Contact] = (),
) -> Activity:
    """Records a contact with the customer, and with whom among the company's contacts (a
    meeting or call with a deal's decision maker counts as engaging them). It cannot lie in the
    future: the record is of what happened, and timers trust it."""
    account, deal = _on_its_deal(lead, account, deal)
    now = timezone.now()
    occurred_at = occurred_at or now
    if timezone.is_naive(occurred_at):  # a time without its zone is the reader's local time
        occurred_at = timezone.make_aware(occurred_at)
    if occurred_at > now + timedelta(minutes=5):
        raise DomainError(
            "future_activity",
            _("An activity records what happened; it cannot be in the future."),
            {"occurred_at": _("Enter a time that is not in the future.")},
        )
    if occurred_at.year < EARLIEST_YEAR:  # a typo (0026, 1926), not the customer's history
        raise DomainError(
            "ancient_activity",
            _("An activity cannot be dated before %(year)s.") % {"year": EARLIEST_YEAR},
            {"occurred_at": _("Check the year.")},
        )
    if deal is not None and deal.account_id != account.pk:
        raise DomainError(
            "wrong_account",
            _("The deal belongs to another company."),
            {"deal": _("Not a deal of this company.")},
        )
    if account is None and lead is None:
        raise DomainError("no_record", _("An activity belongs to a company or a lead."))
    activity = Activity(
        by=by,
        account=account,
        deal=deal,
        lead=lead,
        kind=kind,
        subject=subject.strip(),
        outcome=outcome,
        occurred_at=occurred_at,
        duration_minutes=duration_minutes,
        notes=notes.strip(),
    )
    full_clean_or_refuse(activity)
    contacts = list(contacts)
    if any(account is None or c.account_id != account.pk for c in contacts):
        raise DomainError(
            "invalid",
            _("Choose the people you spoke with among this company's contacts."),
            {"contacts": _("Not a contact of this company.")},
        )
    with audit_actor(by):
        activity.save()
    if contacts:  # most activities name nobody: no query for them
        activity.contacts.set(contacts)
    activity_logged(activity, by)
    return activity


@transaction.atomic
def task_create(
    *,
    by: User,
    title: str,
    due_at: datetime,
    assignee: User | None = None,
    account: Account | None = None,
    deal: Deal | None = None,
    lead: Lead | None = None,
    notes: str = "",
) -> Task:
    account, deal = _on_its_deal(lead, account, deal)
    if deal is not None and account is None:
        account = deal.account
    task = Task(
        title=title.strip(),
        due_at=due_at,
        assignee=assignee or by,
        created_by=by,
        account=account,
        deal=deal,
        lead=lead,
        notes=notes.strip(),
    )
    full_clean_or_refuse(task, exclude=["created_by"])
    with audit_actor(by):
        task.save()
    task_assigned(task, by=by)
    return task


@transaction.atomic
def task_complete(*, task: Task, by: User, done: bool = True) -> Task:
    if not rules.may_complete(by, task):
        raise DomainError("forbidden", _("Only the assignee or the creator may close this task."))
    task.done_at = timezone.now() if done else None
    with audit_actor(by):
        task.save(update_fields=["done_at"])
    return task
