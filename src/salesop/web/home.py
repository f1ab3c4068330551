"""What the home page puts first for each person: the hand-offs waiting for them, then the
queues of the roles they hold (the rep's lapses, the approvals a manager or finance decides,
legal's review queue, the project manager's late milestones and updates, customer success's
revisits and at-risk customers, sales ops' imports). Each queue shows its first few rows, how
many there are, and where the whole list is; a fixed number of queries whatever the data."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from salesop.accounts.models import Role, User
from salesop.aftersales.models import GrowthStage, ProjectStatus
from salesop.aftersales.selectors import projects_visible_to, revisits_planned_for, ticket_queue
from salesop.contracts.selectors import review_queue
from salesop.core.time import company_today
from salesop.customers.models import Account
from salesop.leads.models import ImportJob, ImportStatus
from salesop.monitor.models import AlertStatus, Notification
from salesop.monitor.selectors import AlertFilters, alert_title, alerts_visible_to
from salesop.pricing.models import ApprovalStatus
from salesop.pricing.selectors import approval_queue

SHOWN = 6


@dataclass
class Row:
    label: str
    url: str
    meta: str = ""
    at: datetime | None = None
    late: bool = False


@dataclass
class Queue:
    key: str
    title: str
    more_url: str
    empty: str
    rows: list[Row] = field(default_factory=list)
    total: int = 0


def _fill(queue: Queue, rows, to_row) -> Queue:
    """The queue's first rows, and how many there are (counted only when more may be hiding)."""
    shown = list(rows[:SHOWN])
    queue.rows = [to_row(row) for row in shown]
    queue.total = rows.count() if len(shown) == SHOWN else len(shown)
    return queue


def _handoffs(user: User) -> Queue:
    unread = Notification.objects.filter(user=user, read_at__isnull=True).exclude(kind="")
    queue = Queue(
        "handoffs", _("Your turn"), reverse("monitor:inbox"), _("Nobody is waiting for you.")
    )
    return _fill(
        queue, unread.order_by("-created_at"), lambda n: Row(n.title, n.url, at=n.created_at)
    )


def _alerts(user: User, scope: str, title, empty) -> Queue:
    alerts = alerts_visible_to(user, AlertFilters(scope=scope, status=AlertStatus.OPEN))
    more = reverse("monitor:alerts") + f"?scope={scope}&status=open"
    queue = Queue(f"alerts-{scope}", title, more, empty)
    language = get_language()
    return _fill(
        queue,
        alerts.order_by("opened_at"),
        lambda a: Row(
            alert_title(a, language),
            a.url,
            meta=str(a.owner) if scope == "team" else "",
            at=a.opened_at,
            late=True,
        ),
    )


def _approvals(user: User) -> Queue:
    waiting = [a for a in approval_queue(user, ApprovalStatus.PENDING) if a.decidable]
    queue = Queue(
        "approvals",
        _("Approvals waiting for you"),
        reverse("pricing:approvals"),
        _("No approval waits for you."),
    )
    seen: set[int] = set()
    for approval in waiting:  # one row a quote, however many of its lines ask
        if approval.quote_id in seen:
            continue
        seen.add(approval.quote_id)
        queue.rows.append(
            Row(
                f"{approval.quote.deal.name} · {approval.quote.label}",
                reverse("pricing:quote_approvals", args=[approval.quote_id]),
                meta=str(approval.owner),
                at=approval.requested_at,
            )
        )
    queue.total = len(queue.rows)
    queue.rows = queue.rows[:SHOWN]
    return queue


def _reviews(user: User) -> Queue:
    contracts = review_queue(user)
    queue = Queue(
        "reviews",
        _("Contracts waiting for your review"),
        reverse("contracts:review_queue"),
        _("No contract waits for review."),
    )
    return _fill(
        queue,
        contracts,
        lambda c: Row(
            f"{c.number} · {c.deal.name}",
            reverse("contracts:detail", args=[c.pk]),
            meta=str(c.deal.owner),
            at=c.submitted_at,
        ),
    )


def _projects(user: User) -> Queue:
    today = company_today()
    projects = (
        projects_visible_to(user)
        .filter(owner=user, status=ProjectStatus.ACTIVE)
        .annotate(
            late=Count(
                "milestones",
                filter=Q(milestones__done_on__isnull=True, milestones__due_on__lt=today),
            )
        )
        .order_by("-late", "update_due_at")
    )
    queue = Queue(
        "projects",
        _("My delivery projects"),
        reverse("aftersales:projects"),
        _("No active project is yours."),
    )
    now = timezone.now()
    rows = list(projects[:SHOWN])
    for p in rows:
        notes = []
        if p.late:
            notes.append(str(_("%(n)d milestones late")) % {"n": p.late})
        update_due = p.update_due_at is not None and p.update_due_at <= now + timedelta(days=1)
        if update_due:
            notes.append(str(_("weekly update due")))
        queue.rows.append(
            Row(
                f"{p.name} · {p.account.name}",
                reverse("aftersales:project", args=[p.pk]),
                meta=" · ".join(notes),
                late=bool(p.late) or update_due,
            )
        )
    queue.total = projects.count() if len(rows) == SHOWN else len(rows)
    return queue


def _tickets(user: User) -> Queue:
    tickets = ticket_queue(user).filter(owner=user).select_related("account")
    queue = Queue(
        "tickets",
        _("My open tickets"),
        reverse("aftersales:tickets"),
        _("No ticket is open for you."),
    )
    now = timezone.now()
    return _fill(
        queue,
        tickets,
        lambda t: Row(
            f"{t.number} · {t.title}",
            reverse("aftersales:ticket", args=[t.pk]),
            meta=t.account.name,
            at=t.next_due,
            late=bool(t.next_due and t.next_due < now),
        ),
    )


def _revisits(user: User) -> Queue:
    soon = company_today() + timedelta(days=14)
    revisits = [r for r in revisits_planned_for(user) if r.due_on <= soon]
    queue = Queue(
        "revisits",
        _("Revisits in the next two weeks"),
        reverse("aftersales:revisits"),
        _("No revisit is due in the next two weeks."),
    )
    today = company_today()
    queue.rows = [
        Row(
            r.account.name,
            reverse("aftersales:revisit", args=[r.pk]),
            meta=r.due_on.isoformat(),
            late=r.due_on < today,
        )
        for r in revisits[:SHOWN]
    ]
    queue.total = len(revisits)
    return queue


def _at_risk(user: User) -> Queue:
    accounts = (
        Account.objects.visible_to(user)
        .filter(growth__stage=GrowthStage.AT_RISK)
        .select_related("growth")
        .order_by("name")
    )
    queue = Queue(
        "at-risk",
        _("Customers at risk"),
        reverse("customers:list"),
        _("No customer of yours is at risk."),
    )
    return _fill(
        queue,
        accounts,
        lambda a: Row(
            a.name, reverse("customers:detail", args=[a.pk]), meta=a.growth.reason, late=True
        ),
    )


def _imports(user: User) -> Queue:
    jobs = ImportJob.objects.select_related("created_by").order_by("-created_at", "-id")
    queue = Queue(
        "imports",
        _("Recent imports"),
        reverse("leads:import_new"),
        _("Nothing was imported yet."),
    )
    rows = list(jobs[:SHOWN])
    queue.rows = [
        Row(
            f"{job.original_name} · {job.get_status_display()}",
            reverse("leads:import", args=[job.pk]),
            meta=str(job.created_by),
            at=job.created_at,
            late=job.status == ImportStatus.FAILED,
        )
        for job in rows
    ]
    queue.total = len(rows)
    return queue


def queues_for(user: User) -> list[Queue]:
    """The person's queues, their own turn first, then each role's in the SOP's order."""
    roles = user.roles
    sells = bool(roles & {Role.REP, Role.MANAGER, Role.DIRECTOR})
    queues = [_handoffs(user)]
    if sells:
        queues.append(
            _alerts(user, "mine", _("My lapses to fix"), _("Nothing of yours is overdue."))
        )
    if roles & {Role.MANAGER, Role.DIRECTOR, Role.FINANCE} or user.is_superuser:
        queues.append(_approvals(user))
    if roles & {Role.MANAGER, Role.DIRECTOR, Role.OPS}:
        queues.append(
            _alerts(user, "team", _("My team's lapses"), _("Nothing in your team is overdue."))
        )
    if Role.LEGAL in roles:
        queues.append(_reviews(user))
    if Role.PROJECT_MANAGER in roles:
        queues.append(_projects(user))
    if Role.TECH_SUPPORT in roles or Role.PROJECT_MANAGER in roles:
        queues.append(_tickets(user))
    if Role.CUSTOMER_SUCCESS in roles:
        queues.extend([_revisits(user), _at_risk(user)])
    if Role.OPS in roles or user.is_superuser:
        queues.append(_imports(user))
    return queues
