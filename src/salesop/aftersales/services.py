"""Every after-sales write: the delivery project a hand-over becomes (team, milestones), the
weekly progress update, tickets and their SLA clocks, and the customer link."""

import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.activities.services import task_create
from salesop.aftersales.business_calendar import business_calendar
from salesop.aftersales.growth import stage_set
from salesop.aftersales.models import (
    AccountGrowth,
    DeliveryProject,
    DeliveryRole,
    GrowthStage,
    Health,
    Milestone,
    PortalLink,
    ProgressUpdate,
    ProjectMember,
    ProjectStatus,
    Survey,
    SurveyTrigger,
    Ticket,
    TicketChannel,
    TicketMessage,
    TicketStatus,
    UpdateStatus,
)
from salesop.aftersales.revisits import revisits_plan
from salesop.aftersales.rules import (
    MilestoneView,
    breach_seconds,
    may_manage,
    progress_draft,
    sla_due_at,
    week_of,
)
from salesop.aftersales.selectors import delivery_person
from salesop.core.audit import audit_actor, guarded_update
from salesop.core.errors import DomainError, StaleWrite
from salesop.core.time import company_date, company_today
from salesop.core.tokens import token_hash
from salesop.customers.models import Account
from salesop.deals.discovery_rules import recap_language
from salesop.playbook.schema import Playbook
from salesop.playbook.selectors import active_playbook

# A timestamp a little ahead of the server's clock is a client's clock running fast; more is
# a mistake.
CLOCK_TOLERANCE = timedelta(minutes=5)


def _stale() -> StaleWrite:
    return StaleWrite("stale", _("Someone else changed this record. Reload it and try again."))


# --- delivery projects ----------------------------------------------------------------------


def _least_loaded(role: str, team) -> User | None:
    """The active user with `role` carrying the fewest active projects, preferring people in
    the deal team's organisation (its top-level team)."""
    load = (
        ProjectMember.objects.filter(user=OuterRef("pk"), project__status="active")
        .values("user")
        .annotate(n=Count("id"))
        .values("n")
    )
    people = (
        User.objects.filter(is_active=True, role_grants__role=role)
        .annotate(load=Coalesce(Subquery(load), 0))
        .order_by("load", "id")
    )
    if team is not None:
        near = people.filter(team__path__startswith=_root_path(team)).first()
        if near is not None:
            return near
    return people.first()


def _root_path(team) -> str:
    parts = [p for p in team.path.split("/") if p]
    return f"/{parts[0]}/" if parts else "/"


@transaction.atomic
def project_from_handover(*, handover, by: User) -> DeliveryProject:
    """The delivery project for a won deal: the playbook's roles assigned to the least-loaded
    people who hold them, its milestones due from today, the first progress update due in
    `sla.progress_update_days`; the deal's owner and the team share it."""
    deal = handover.deal
    playbook = active_playbook()
    members = {role: _least_loaded(role, deal.team) for role in playbook.delivery.roles}
    manager = members.get(DeliveryRole.PROJECT_MANAGER) or deal.owner
    today = company_today()
    language = recap_language(deal.account.name)
    with audit_actor(by):
        project = DeliveryProject.objects.create(
            deal=deal,
            account=deal.account,
            handover=handover,
            name=deal.name,
            owner=manager,
            team=deal.team,
            started_on=today,
            update_due_at=timezone.now() + timedelta(days=playbook.sla.progress_update_days),
        )
        ProjectMember.objects.bulk_create(
            ProjectMember(project=project, role=role, user=user)
            for role, user in members.items()
            if user is not None
        )
        Milestone.objects.bulk_create(
            Milestone(
                project=project,
                key=spec.key,
                title=spec.label.get(language),
                due_on=today + timedelta(days=spec.days),
                position=i,
            )
            for i, spec in enumerate(playbook.delivery.milestones)
        )
        team = [u for u in members.values() if u is not None]
        project.shared_with.add(deal.owner, *team)
        deal.account.shared_with.add(*team)  # the delivery team serves the customer too
    guarded_update(handover, {"consumed_at": None}, consumed_at=timezone.now())
    # A new customer: onboarding, and revisits from its tier's cadence.
    if not AccountGrowth.objects.filter(account=deal.account).exists():
        stage_set(account=deal.account, by=by, stage=GrowthStage.ONBOARDING)
    revisits_plan(account=deal.account, by=by, owner=members.get(DeliveryRole.CUSTOMER_SUCCESS))
    return project


def missing_roles(project: DeliveryProject) -> list[str]:
    assigned = {m.role for m in project.members.all()}
    return [role for role in active_playbook().delivery.roles if role not in assigned]


def _require_manage(user: User, project: DeliveryProject) -> None:
    if not may_manage(user, project):
        raise DomainError(
            "forbidden", _("Only the project manager or a sales manager may change the project.")
        )


@transaction.atomic
def member_set(
    *, project: DeliveryProject, by: User, role: str, user: User | None
) -> ProjectMember:
    """Puts `user` on the project's team in `role`. No user (`None`: no active one by that id)
    and one without the role are refused alike, after the check of who may manage the team:
    an id tells no one whether a person exists."""
    _require_manage(by, project)
    if role not in DeliveryRole.values:
        raise DomainError("invalid", _("Unknown role."), {"role": _("Unknown role.")})
    if user is None or (role not in user.roles and not user.is_superuser):
        message = _("Choose an active user who has the role %(role)s.") % {
            "role": DeliveryRole(role).label
        }
        raise DomainError("invalid", message, {"user": message})
    with audit_actor(by):
        member, _created = ProjectMember.objects.update_or_create(
            project=project, role=role, defaults={"user": user}
        )
        project.shared_with.add(user)
        project.account.shared_with.add(user)  # as at the hand-over: they serve the customer
        if role == DeliveryRole.PROJECT_MANAGER and project.owner_id != user.pk:
            guarded_update(
                project, {"version": project.version}, owner=user, version=F("version") + 1
            )
    return member


@transaction.atomic
def project_update(
    *, project: DeliveryProject, by: User, status: str, health: str
) -> DeliveryProject:
    """The project's status and health as the project manager judges them; a delivered or
    paused project owes no weekly update."""
    _require_manage(by, project)
    errors = {}
    if status not in ProjectStatus.values:
        errors["status"] = _("Choose a status.")
    if health not in Health.values:
        errors["health"] = _("Choose a health.")
    if errors:
        raise DomainError("invalid", _("Please correct the fields marked."), errors)
    due = project.update_due_at
    if status != ProjectStatus.ACTIVE:
        due = None
    elif due is None:
        due = timezone.now() + timedelta(days=active_playbook().sla.progress_update_days)
    with audit_actor(by):
        if not guarded_update(
            project,
            {"version": project.version},
            status=status,
            health=health,
            update_due_at=due,
            version=F("version") + 1,
        ):
            raise _stale()
    return project


@transaction.atomic
def milestone_done(*, milestone: Milestone, by: User, done_on: date | None = None) -> Milestone:
    """Marks a milestone done (today by default; never in the future)."""
    _require_manage(by, milestone.project)
    done_on = done_on or company_today()
    if done_on > company_today():
        message = _("A milestone cannot be done in the future.")
        raise DomainError("invalid", message, {"done_on": message})
    with audit_actor(by):
        milestone.done_on = done_on
        milestone.save(update_fields=["done_on"])
    return milestone


def _views(project: DeliveryProject) -> list[MilestoneView]:
    return [MilestoneView(m.title, m.due_on, m.done_on) for m in project.milestones.all()]


@transaction.atomic
def update_draft(*, project: DeliveryProject, by: User, language: str = "") -> ProgressUpdate:
    """This week's update, drafted from the milestones in the customer's language (a draft
    already written this week is redrafted; a sent one is kept)."""
    language = language or recap_language(project.account.name)
    week = week_of(company_today())
    text = progress_draft(_views(project), company_today(), language)
    existing = project.updates.filter(week=week).first()
    if existing is not None and existing.status != UpdateStatus.DRAFT:
        message = _("This week's update was already sent.")
        raise DomainError("already_sent", message)
    with audit_actor(by):
        update, _created = ProgressUpdate.objects.update_or_create(
            project=project, week=week, defaults={"text": text, "language": language}
        )
    return update


@transaction.atomic
def update_send(
    *, update: ProgressUpdate, by: User, text: str, recipients: list[str], email: bool = True
) -> ProgressUpdate:
    """Sends the edited update by email (or records it as sent another way, e.g. WeChat); the
    next one is due `sla.progress_update_days` later."""
    project = update.project
    if by.pk not in {project.owner_id, *project.shared_with.values_list("pk", flat=True)}:
        raise DomainError("forbidden", _("Only the project's team sends its updates."))
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = _("Write the update.")
    if email and not recipients:
        errors["recipients"] = _("Give at least one email address, or mark it as sent.")
    if errors:
        raise DomainError("invalid", _("Please correct the fields marked."), errors)
    if update.status != UpdateStatus.DRAFT:
        raise DomainError("already_sent", _("This week's update was already sent."))
    now = timezone.now()
    with audit_actor(by):
        if not ProgressUpdate.objects.filter(pk=update.pk, status=UpdateStatus.DRAFT).update(
            text=text[:5000],
            recipients=", ".join(recipients)[:500],
            status=UpdateStatus.SENT if email else UpdateStatus.MARKED,
            sent_at=now,
            sent_by=by,
        ):
            raise _stale()
        days = active_playbook().sla.progress_update_days
        DeliveryProject.objects.filter(pk=project.pk).update(
            update_due_at=now + timedelta(days=days)
        )
    update.refresh_from_db()
    if email:
        subject = _("Progress update: %(project)s") % {"project": project.name}
        transaction.on_commit(lambda: send_mail(subject, text, None, recipients))
    return update


# --- tickets --------------------------------------------------------------------------------


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
    # One transaction: a list read between the insert and its number showed a ticket with
    # none (the portal's link to it raised); the company's row is held so that links opening
    # tickets at once are counted one after the other against the day's allowance.
    with transaction.atomic(), audit_actor(by):
        if by is None:
            Account.objects.select_for_update().filter(pk=account.pk).first()
            _refuse_a_flood(account, now)
        ticket = Ticket.objects.create(
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
        ticket.number = f"T{ticket.pk:06d}"
        ticket.save(update_fields=["number"])
    return ticket


def _lock(ticket: Ticket, expected_version: int | None = None) -> Ticket:
    """The ticket's row, held to the end of the transaction; StaleWrite if it changed since
    the caller read `expected_version` (two people answering at once: one wins)."""
    current = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if expected_version is not None and current.version != expected_version:
        raise _stale()
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
    current = _lock(ticket, expected_version)
    when = _check_moment(at, current.opened_at, "at")
    with audit_actor(by):
        message = TicketMessage.objects.create(ticket=current, author=by, body=body[:5000], at=when)
        if current.responded_at is None:
            guarded_update(
                current,
                {"version": current.version},
                responded_at=when,
                response_breach_seconds=breach_seconds(current.first_response_due_at, when, when),
                response_alert_at=None,
                status=TicketStatus.RESPONDED
                if current.status == TicketStatus.OPEN
                else current.status,
                version=F("version") + 1,
            )
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
    current = _lock(ticket, expected_version)
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
    with audit_actor(by):
        guarded_update(current, {"version": current.version}, version=F("version") + 1, **changes)
    ticket.refresh_from_db()
    return ticket


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, by: User, expected_version: int | None = None) -> Ticket:
    current = _lock(ticket, expected_version)
    if current.direction_at is None:
        message = _("Record the solution direction before resolving the ticket.")
        raise DomainError("invalid", message, {"direction": message})
    if current.resolved_at is not None:
        raise DomainError("already", _("The ticket is already resolved."))
    with audit_actor(by):
        guarded_update(
            current,
            {"version": current.version},
            resolved_at=timezone.now(),
            status=TicketStatus.RESOLVED,
            version=F("version") + 1,
        )
    ticket.refresh_from_db()
    return ticket


# --- the customer's link --------------------------------------------------------------------


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


def portal_account(token: str) -> Account | None:
    """The account a customer link opens, or None for an unknown or revoked token."""
    link = (
        PortalLink.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .select_related("account")
        .first()
    )
    return link.account if link else None


@transaction.atomic
def portal_message(*, ticket: Ticket, name: str, body: str) -> TicketMessage:
    body = (body or "").strip()
    if not body:
        message = _("Write your message.")
        raise DomainError("invalid", message, {"body": message})
    return TicketMessage.objects.create(
        ticket=ticket, customer_name=(name or "").strip()[:100], body=body[:5000]
    )


# --- feedback surveys -----------------------------------------------------------------------


@transaction.atomic
def survey_send(
    *,
    by: User,
    trigger: str,
    account: Account | None = None,
    project: DeliveryProject | None = None,
    ticket: Ticket | None = None,
    milestone: Milestone | None = None,
    email: str = "",
) -> tuple[Survey, str]:
    """A survey through a one-time link (returned with the survey; emailed when `email` is
    given), after a milestone, a resolved ticket or a revisit."""
    if trigger not in SurveyTrigger.values:
        raise DomainError("invalid", _("Unknown survey trigger."), {"trigger": "?"})
    if ticket is not None:
        account, project = ticket.account, ticket.project
    if milestone is not None:
        project = milestone.project
    if project is not None:
        account = project.account
    if account is None:
        raise DomainError("invalid", _("Say which customer the survey is for."))
    token = secrets.token_urlsafe(24)
    days = active_playbook().feedback.link_days
    with audit_actor(by):
        survey = Survey.objects.create(
            account=account,
            project=project,
            ticket=ticket,
            milestone=milestone,
            trigger=trigger,
            token_hash=token_hash(token),
            sent_to=(email or "")[:254],
            sent_by=by,
            expires_at=timezone.now() + timedelta(days=days),
        )
    if email:
        url = settings.BASE_URL.rstrip("/") + reverse("portal:survey", args=[token])
        subject = _("How did we do? %(account)s") % {"account": account.name}
        body = _("Two questions, one minute: %(url)s") % {"url": url}
        transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    return survey, token


def survey_for(token: str) -> Survey | None:
    return Survey.objects.select_related("account").filter(token_hash=token_hash(token)).first()


def survey_open(survey: Survey | None) -> str | None:
    """Why the survey cannot be answered (a message), or None when it can."""
    if survey is None:
        return _("This survey link is not valid.")
    if survey.answered_at is not None:
        return _("This survey was already answered. Thank you!")
    if survey.expires_at < timezone.now():
        return _("This survey link has expired.")
    return None


@transaction.atomic
def survey_answer(*, token: str, nps, csat, comment: str = "") -> Survey:
    """Records the answer once: a second use or an expired link is refused. A score at or
    below the playbook's threshold opens a follow-up task for customer success."""
    survey = survey_for(token)
    problem = survey_open(survey)
    if problem:
        raise DomainError("survey_closed", problem)
    errors = {}
    if not isinstance(nps, int) or isinstance(nps, bool) or not 0 <= nps <= 10:
        errors["nps"] = _("Choose a number from 0 to 10.")
    if not isinstance(csat, int) or isinstance(csat, bool) or not 1 <= csat <= 5:
        errors["csat"] = _("Choose a number from 1 to 5.")
    if errors:
        raise DomainError("invalid", _("Please answer both questions."), errors)
    now = timezone.now()
    if not Survey.objects.filter(pk=survey.pk, answered_at__isnull=True).update(
        answered_at=now, nps=nps, csat=csat, comment=(comment or "").strip()[:5000]
    ):
        raise DomainError("survey_closed", _("This survey was already answered. Thank you!"))
    survey.refresh_from_db()
    rules = active_playbook().feedback
    if nps <= rules.low_nps or csat <= rules.low_csat:
        owner = delivery_person(survey.account, DeliveryRole.CUSTOMER_SUCCESS, survey.project)
        task = task_create(
            by=survey.sent_by,
            assignee=owner,
            account=survey.account,
            title=_("Follow up a low score from %(account)s (NPS %(nps)d, CSAT %(csat)d)")
            % {"account": survey.account.name, "nps": nps, "csat": csat},
            notes=survey.comment,
            due_at=now + timedelta(days=1),
        )
        Survey.objects.filter(pk=survey.pk).update(follow_up=task)
        survey.follow_up = task
    return survey
