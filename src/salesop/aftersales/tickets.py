"""Tickets and their SLA clocks (the first response, the solution direction), and the customer's
link through which the customer opens and follows them."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.aftersales import events
from salesop.aftersales.business_calendar import business_calendar
from salesop.aftersales.models import (
    DeliveryProject,
    DeliveryRole,
    PortalLink,
    Ticket,
    TicketChannel,
    TicketMessage,
    TicketStatus,
)
from salesop.aftersales.rules import (
    STALE,
    breach_seconds,
    sla_due_at,
)
from salesop.aftersales.selectors import delivery_person
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError
from salesop.core.ids import next_id
from salesop.core.time import company_date
from salesop.core.tokens import token_hash
from salesop.core.versioned import check_read, versioned_update
from salesop.customers.models import Account
from salesop.playbook.schema import Playbook
from salesop.playbook.selectors import active_playbook

# A timestamp a little ahead of the server's clock is a client's clock running fast; more is
# a mistake.
CLOCK_TOLERANCE = timedelta(minutes=5)


def severities(playbook: Playbook) -> list[tuple[str, str, int, int, bool]]:
    """(key, label, response hours, direction hours, business hours) per severity; a playbook
    without severities has one, "normal", on the `sla` section's hours."""
    language = get_language() or "zh-hans"
    if playbook.tickets.severities:
        return [
            (
                s.key,
                s.label.get(language),
                s.first_response_hours,
                s.solution_direction_hours,
                s.business_hours,
            )
            for s in playbook.tickets.severities
        ]
    return [
        (
            "normal",
            _("Normal"),
            playbook.sla.ticket_first_response_hours,
            playbook.sla.ticket_solution_direction_hours,
            False,
        )
    ]


def ticket_due_times(opened_at: datetime, severity: str) -> tuple[datetime, datetime]:
    playbook = active_playbook()
    spec = next((s for s in severities(playbook) if s[0] == severity), None)
    if spec is None:
        known = ", ".join(s[0] for s in severities(playbook))
        message = _("Unknown severity %(key)s; known: %(known)s.") % {
            "key": severity,
            "known": known,
        }
        raise DomainError("invalid", message, {"severity": message})
    _key, _label, response_hours, direction_hours, business = spec
    # The longest SLA the playbook allows, in business hours, ends within two years.
    opened_year = company_date(opened_at).year  # a ticket at 00:30 on 1 January is the new year's
    years = range(opened_year, opened_year + 3)
    calendar = business_calendar(playbook, years) if business else None
    return (
        sla_due_at(opened_at, response_hours, calendar),
        sla_due_at(opened_at, direction_hours, calendar),
    )


def _check_moment(at: datetime | None, not_before: datetime, field: str) -> datetime:
    now = timezone.now()
    at = at or now
    if at > now + CLOCK_TOLERANCE:
        message = _("The time is in the future; check the device's clock.")
        raise DomainError("clock_skew", message, {field: message})
    if at < not_before:
        message = _("The time is before the ticket was opened.")
        raise DomainError("invalid", message, {field: message})
    return min(at, now)


@transaction.atomic
def _refuse_a_flood(account: Account, now: datetime) -> None:
    """Each ticket starts SLA clocks and alerts support: a customer's link that opened the
    day's allowance of tickets still open is asked to add to one of them instead."""
    limit = settings.PORTAL_OPEN_TICKETS_PER_DAY
    recent = Ticket.objects.filter(
        account=account, channel=TicketChannel.PORTAL, opened_at__gte=now - timedelta(days=1)
    ).exclude(status=TicketStatus.RESOLVED)
    if recent.count() >= limit:
        message = _(
            "%(n)d tickets opened through this link in the last 24 hours are still open: add to "
            "one of them, or call your account team."
        ) % {"n": limit}
        raise DomainError("portal_limit", message, {"title": message})


def ticket_open(
    *,
    account: Account,
    by: User | None,
    channel: str,
    severity: str,
    title: str,
    description: str,
    reporter: str = "",
    project: DeliveryProject | None = None,
    opened_at: datetime | None = None,
) -> Ticket:
    """Opens a ticket with its two SLA clocks running from `opened_at` (now by default; a
    time in the future beyond a few minutes is refused). `by` is None when the customer
    opened it through their link."""
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Say what the problem is in a few words.")
    if not (description or "").strip():
        errors["description"] = _("Describe the problem.")
    if channel not in TicketChannel.values:
        errors["channel"] = _("Choose a channel.")
    if project is not None and project.account_id != account.pk:
        errors["project"] = _("This project belongs to another company.")
    if errors:
        raise DomainError("invalid", _("Please correct the fields marked."), errors)
    now = timezone.now()
    opened = _check_moment(opened_at, now - timedelta(days=365), "opened_at")
    response_due, direction_due = ticket_due_times(opened, severity)
    owner = delivery_person(account, DeliveryRole.TECH_SUPPORT, project, active_only=True)
    # One transaction: the company's row is held so that links opening tickets at once are
    # counted one after the other against the day's allowance. The number is the row's own
    # id, drawn first so the insert writes it (a list read between an insert and a later
    # number showed a ticket with none, and the portal's link to it raised).
    with transaction.atomic(), audit_actor(by):
        if by is None:
            Account.objects.select_for_update().filter(pk=account.pk).first()
            _refuse_a_flood(account, now)
        pk = next_id(Ticket)
        ticket = Ticket.objects.create(
            pk=pk,
            number=f"T{pk:06d}",
            account=account,
            project=project,
            channel=channel,
            severity=severity,
            title=title.strip()[:200],
            description=description.strip()[:5000],
            reporter=(reporter or "").strip()[:100],
            opened_at=opened,
            first_response_due_at=response_due,
            direction_due_at=direction_due,
            response_alert_at=response_due,
            direction_alert_at=direction_due,
            owner=owner,
            team=account.team,
        )
        events.ticket_opened(ticket, by=by)
    return ticket


def _current(ticket: Ticket, expected_version: int | None) -> Ticket:
    """The ticket's row as it is now, the state a reply, direction or resolution is judged
    on; StaleWrite if it changed since the caller read `expected_version`. The write that
    follows is conditional on the version read here (two people answering at once: one
    wins, the other is told it changed)."""
    current = Ticket.objects.get(pk=ticket.pk)
    check_read(current, expected_version, stale=STALE)
    return current


@transaction.atomic
def ticket_respond(
    *,
    ticket: Ticket,
    by: User,
    body: str,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> TicketMessage:
    """A reply to the customer; the first one stops the first-response clock (a breach is
    recorded with its length)."""
    body = (body or "").strip()
    if not body:
        message = _("Write the reply.")
        raise DomainError("invalid", message, {"body": message})
    current = _current(ticket, expected_version)
    when = _check_moment(at, current.opened_at, "at")
    if current.responded_at is None:
        # The ticket first: its UPDATE holds the row to the end of the transaction, so the
        # reply below is recorded against the clock it stopped.
        versioned_update(
            current,
            by=by,
            stale=STALE,
            responded_at=when,
            response_breach_seconds=breach_seconds(current.first_response_due_at, when, when),
            response_alert_at=None,
            status=TicketStatus.RESPONDED
            if current.status == TicketStatus.OPEN
            else current.status,
        )
    with audit_actor(by):
        message = TicketMessage.objects.create(ticket=current, author=by, body=body[:5000], at=when)
    ticket.refresh_from_db()
    return message


@transaction.atomic
def ticket_direction(
    *,
    ticket: Ticket,
    by: User,
    direction: str,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Records the solution direction given to the customer; it stops the direction clock
    (and the first-response clock, if nobody had answered yet)."""
    direction = (direction or "").strip()
    if not direction:
        message = _("Describe the solution direction you gave the customer.")
        raise DomainError("invalid", message, {"direction": message})
    current = _current(ticket, expected_version)
    if current.direction_at is not None:
        raise DomainError("already", _("A solution direction is already recorded."))
    when = _check_moment(at, current.opened_at, "at")
    changes = {
        "direction": direction[:5000],
        "direction_at": when,
        "direction_breach_seconds": breach_seconds(current.direction_due_at, when, when),
        "direction_alert_at": None,
        "status": TicketStatus.DIRECTION,
    }
    if current.responded_at is None:
        changes.update(
            responded_at=when,
            response_breach_seconds=breach_seconds(current.first_response_due_at, when, when),
            response_alert_at=None,
        )
    versioned_update(current, by=by, stale=STALE, **changes)
    ticket.refresh_from_db()
    return ticket


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, by: User, expected_version: int | None = None) -> Ticket:
    current = _current(ticket, expected_version)
    if current.direction_at is None:
        message = _("Record the solution direction before resolving the ticket.")
        raise DomainError("invalid", message, {"direction": message})
    if current.resolved_at is not None:
        raise DomainError("already", _("The ticket is already resolved."))
    versioned_update(
        current, by=by, stale=STALE, resolved_at=timezone.now(), status=TicketStatus.RESOLVED
    )
    events.ticket_resolved(current, by=by)
    ticket.refresh_from_db()
    return ticket


@transaction.atomic
def portal_link_create(*, account: Account, by: User) -> str:
    """A new link for the account's people (the previous one stops working). Returns the
    token, shown once."""
    token = secrets.token_urlsafe(24)
    now = timezone.now()
    with audit_actor(by):
        PortalLink.objects.filter(account=account, revoked_at__isnull=True).update(revoked_at=now)
        PortalLink.objects.create(account=account, token_hash=token_hash(token), created_by=by)
    return token


@transaction.atomic
def portal_message(*, ticket: Ticket, name: str, body: str) -> TicketMessage:
    body = (body or "").strip()
    if not body:
        message = _("Write your message.")
        raise DomainError("invalid", message, {"body": message})
    message = TicketMessage.objects.create(
        ticket=ticket, customer_name=(name or "").strip()[:100], body=body[:5000]
    )
    events.customer_wrote(message)
    return message
