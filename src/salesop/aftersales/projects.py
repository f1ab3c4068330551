"""Delivery projects: the project a hand-over becomes (its team, its milestones), the team and
the project's status as the project manager changes them, and the weekly progress update."""

from datetime import date, timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.aftersales import events
from salesop.aftersales.growth import stage_set
from salesop.aftersales.models import (
    AccountGrowth,
    DeliveryProject,
    DeliveryRole,
    GrowthStage,
    Health,
    Milestone,
    ProgressUpdate,
    ProjectMember,
    ProjectStatus,
    UpdateStatus,
)
from salesop.aftersales.revisits import revisits_plan
from salesop.aftersales.rules import (
    STALE,
    MilestoneView,
    may_manage,
    may_send_update,
    progress_draft,
    week_of,
)
from salesop.core.audit import audit_actor, guarded_update
from salesop.core.errors import DomainError, StaleWrite
from salesop.core.time import company_today
from salesop.core.versioned import versioned_bulk_update, versioned_update
from salesop.deals.discovery.rules import recap_language
from salesop.playbook.selectors import active_playbook


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
    events.project_opened(project, by=by)
    return project


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
    if role == DeliveryRole.PROJECT_MANAGER and project.owner_id != user.pk:
        # The project first: its UPDATE holds the row to the end of the transaction, and a
        # project changed since it was read leaves the team as it was.
        versioned_update(project, by=by, stale=STALE, owner=user)
    with audit_actor(by):
        member, _created = ProjectMember.objects.update_or_create(
            project=project, role=role, defaults={"user": user}
        )
        project.shared_with.add(user)
        project.account.shared_with.add(user)  # as at the hand-over: they serve the customer
    events.member_set(member, by=by)
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
    versioned_update(project, by=by, stale=STALE, status=status, health=health, update_due_at=due)
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
    if not may_send_update(by, project):
        raise DomainError("forbidden", _("Only the project's team sends its updates."))
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
    if not may_send_update(by, project):
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
            raise StaleWrite("stale", str(STALE))
        days = active_playbook().sla.progress_update_days
        # the next one falls due only while the project runs: one paused meanwhile owes none
        versioned_bulk_update(
            DeliveryProject.objects.filter(pk=project.pk, status=ProjectStatus.ACTIVE),
            by=by,
            update_due_at=now + timedelta(days=days),
        )
    update.refresh_from_db()
    events.update_sent(update, by=by)
    if email:
        subject = _("Progress update: %(project)s") % {"project": project.name}
        transaction.on_commit(lambda: send_mail(subject, text, None, recipients))
    return update
