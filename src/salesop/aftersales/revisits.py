"""Periodic revisits (周期性回访): a schedule per customer from its tier's cadence, replanned
when the tier changes; recording a revisit with the SOP's topics; a new need turned into a
lead or a growth deal in one step; the revisit calendar as an ICS feed."""

import secrets
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from salesop.accounts.models import User
from salesop.aftersales.models import (
    CalendarFeed,
    DeliveryRole,
    Opportunity,
    OpportunitySource,
    Revisit,
    RevisitForm,
    RevisitStatus,
)
from salesop.aftersales.selectors import delivery_person
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError
from salesop.core.time import company_today
from salesop.core.tokens import token_hash
from salesop.customers.models import Account
from salesop.deals.services import deal_create
from salesop.leads.models import Channel
from salesop.leads.services import lead_create
from salesop.playbook.selectors import active_playbook

DEFAULT_CADENCE_DAYS = 180
HORIZON_DAYS = 365


def cadence(account: Account) -> tuple[int, str]:
    """Days between revisits for the account's tier, and a note when the playbook names no
    cadence for it (the default applies)."""
    days = active_playbook().revisit_days.get(account.tier or "")
    if days:
        return days, ""
    note = _("The playbook names no revisit cadence for this tier: every %(days)d days.") % {
        "days": DEFAULT_CADENCE_DAYS
    }
    return DEFAULT_CADENCE_DAYS, note


def revisit_dates(last: date, every: int, today: date, horizon: int = HORIZON_DAYS) -> list[date]:
    """The revisit dates from `last` every `every` days that fall within the next `horizon`
    days (a date already past moves to today)."""
    dates = []
    due = last + timedelta(days=every)
    while due <= today + timedelta(days=horizon):
        dates.append(max(due, today))
        due += timedelta(days=every)
    return sorted(set(dates))


@transaction.atomic
def revisits_plan(*, account: Account, by: User | None = None, owner: User | None = None) -> str:
    """Plans the account's revisits for the next year from its tier's cadence, counting from
    the last revisit done (or today). Planned revisits of another tier are replaced; those
    already planned for this tier stay. Returns a note when the default cadence applies."""
    every, note = cadence(account)
    today = company_today()
    Revisit.objects.filter(
        account=account, status=RevisitStatus.PLANNED, due_on__gte=today
    ).exclude(tier=account.tier).delete()
    planned = set(
        Revisit.objects.filter(account=account, status=RevisitStatus.PLANNED).values_list(
            "due_on", flat=True
        )
    )
    last_done = (
        Revisit.objects.filter(account=account, status=RevisitStatus.DONE)
        .order_by("-done_on")
        .values_list("done_on", flat=True)
        .first()
    )
    start = max(filter(None, [last_done, *planned]), default=today)
    if not planned:
        start = last_done or today
    owner = owner or delivery_person(account, DeliveryRole.CUSTOMER_SUCCESS)
    with audit_actor(by):
        Revisit.objects.bulk_create(
            Revisit(account=account, owner=owner, due_on=day, tier=account.tier)
            for day in revisit_dates(start, every, today)
            if day not in planned
        )
    return note


@transaction.atomic
def revisit_record(
    *,
    revisit: Revisit,
    by: User,
    form: str,
    product_experience: str = "",
    new_needs: str = "",
    competitor_news: str = "",
    competitor: str = "",
    done_on: date | None = None,
) -> Revisit:
    """Records a revisit with the SOP's topics; competitor news is tagged with the competitor.
    The next revisits are planned on from it."""
    errors = {}
    if form not in RevisitForm.values:
        errors["form"] = _("Choose how the revisit took place.")
    if not any(t.strip() for t in (product_experience, new_needs, competitor_news)):
        errors["product_experience"] = _(
            "Record at least one topic: product experience, new needs or competitor news."
        )
    if (competitor_news or "").strip() and not (competitor or "").strip():
        errors["competitor"] = _("Name the competitor the news is about.")
    done_on = done_on or company_today()
    if done_on > company_today():
        errors["done_on"] = _("A revisit cannot be done in the future.")
    if revisit.status == RevisitStatus.DONE:
        errors["form"] = _("This revisit is already recorded.")
    if errors:
        raise DomainError("invalid", _("Please correct the fields marked."), errors)
    with audit_actor(by):
        revisit.status = RevisitStatus.DONE
        revisit.form = form
        revisit.done_on = done_on
        revisit.product_experience = product_experience.strip()[:5000]
        revisit.new_needs = new_needs.strip()[:5000]
        revisit.competitor_news = competitor_news.strip()[:5000]
        revisit.competitor = competitor.strip()[:100]
        revisit.save()
    revisits_plan(account=revisit.account, by=by)
    return revisit


@transaction.atomic
def revisit_to_deal(*, revisit: Revisit, by: User) -> Opportunity:
    """The new need heard on the revisit as a growth deal for the account's owner (told of it
    as a hand-off), named for the customer and the need, shared with whoever heard it."""
    need = _need(revisit)
    account = revisit.account
    name = _("%(account)s: add-on, %(need)s") % {"account": account.name, "need": need[:80]}
    deal = deal_create(by=by, account=account, name=name[:200], owner=account.owner)
    with audit_actor(by):
        deal.shared_with.add(by)  # whoever heard the need follows the deal it became
        return Opportunity.objects.create(
            account=account,
            source=OpportunitySource.REVISIT,
            revisit=revisit,
            reason=need[:300],
            deal=deal,
            created_by=by,
        )


@transaction.atomic
def revisit_to_lead(*, revisit: Revisit, by: User) -> Opportunity:
    """The new need as a lead in the pool (channel "repurchase"), for whoever the playbook
    assigns it to."""
    need = _need(revisit)
    channel = Channel.objects.filter(kind="repurchase", is_active=True).first()
    if channel is None:
        message = _("No active repurchase channel: sales operations add one under Leads.")
        raise DomainError("no_channel", message)
    account = revisit.account
    lead = lead_create(
        by=by,
        channel=channel,
        company_name=account.name,
        allow_duplicate=True,
        notes=need[:2000],
    )
    with audit_actor(by):
        return Opportunity.objects.create(
            account=account,
            source=OpportunitySource.REVISIT,
            revisit=revisit,
            reason=need[:300],
            lead=lead,
            created_by=by,
        )


def _need(revisit: Revisit) -> str:
    need = revisit.new_needs.strip()
    if not need:
        message = _("This revisit recorded no new need.")
        raise DomainError("invalid", message, {"new_needs": message})
    if Opportunity.objects.filter(revisit=revisit).exists():
        raise DomainError("duplicate", _("This need is already followed up."))
    return need


# --- the ICS feed ---------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_create(*, user: User) -> str:
    """A new feed address for the user's revisits (the previous one stops working)."""
    token = secrets.token_urlsafe(24)
    CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    CalendarFeed.objects.create(user=user, token_hash=token_hash(token))
    return token


def calendar_user(token: str) -> User | None:
    feed = (
        CalendarFeed.objects.filter(
            token_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True
        )
        .select_related("user")
        .first()
    )
    return feed.user if feed else None


def calendar_ics(user: User, base_url: str) -> bytes:
    """The user's planned revisits for the next year as an iCalendar file."""
    calendar = Calendar()
    calendar.add("prodid", "-//salesop//revisits//")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Revisits"))
    today = company_today()
    revisits = Revisit.objects.filter(
        owner=user,
        status=RevisitStatus.PLANNED,
        due_on__lte=today + timedelta(days=HORIZON_DAYS),
    ).select_related("account")
    stamp = datetime.combine(today, time.min, tzinfo=timezone.get_current_timezone())
    for revisit in revisits:
        event = Event()
        event.add("uid", f"revisit-{revisit.pk}@salesop")
        event.add("dtstamp", stamp)
        event.add("dtstart", revisit.due_on)
        event.add("dtend", revisit.due_on + timedelta(days=1))
        event.add("summary", _("Revisit %(account)s") % {"account": revisit.account.name})
        event.add("url", f"{base_url.rstrip('/')}/customers/{revisit.account_id}/")
        calendar.add_component(event)
    return calendar.to_ical()
