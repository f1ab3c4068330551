from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from salesop.accounts.models import Role, User
from salesop.activities.forms import ActivityForm, TaskForm
from salesop.activities.models import Activity, Task
from salesop.core.forms import styled
from salesop.core.timeline import timeline_for
from salesop.customers.models import Account
from salesop.deals.models import Deal
from salesop.leads.models import Lead


def _field(record: Deal | Account | Lead) -> str:
    return {Deal: "deal", Account: "account", Lead: "lead"}[type(record)]


def _of(model, record: Deal | Account | Lead, user: User) -> QuerySet:
    """A record's activities or tasks. A company's leave out those of its deals and leads
    `user` does not see (another team's deal or lead with the same customer)."""
    rows = model.objects.filter(**{_field(record): record})
    if isinstance(record, Account) and not user.sees_everything:
        lead_seen = Q(lead__isnull=True) | Q(lead__in=Lead.objects.visible_to(user))
        rows = rows.filter(
            (Q(deal__isnull=True) & lead_seen) | Q(deal__in=Deal.objects.visible_to(user))
        )
    return rows


def activities_of(record: Deal | Account | Lead, user: User, limit: int = 50) -> QuerySet[Activity]:
    """The record's activities, newest first, as far as `user` sees them. The caller fetched
    `record` through its own visibility selector."""
    return (
        _of(Activity, record, user)
        .select_related("by", "deal")
        .prefetch_related("contacts")
        .order_by("-occurred_at", "-id")[:limit]
    )


def tasks_visible_to(user: User) -> QuerySet[Task]:
    tasks = Task.objects.select_related("assignee", "deal", "account")
    if user.sees_everything:
        return tasks
    mine = Q(assignee=user) | Q(created_by=user)
    if Role.MANAGER in user.roles and user.team_id:
        mine |= Q(assignee__team__path__startswith=user.team.path)
    return tasks.filter(mine)


def tasks_of(record: Deal | Account | Lead, user: User) -> QuerySet[Task]:
    return _of(Task, record, user).select_related("assignee").order_by("done_at", "due_at")


@dataclass
class MyWork:
    overdue: list[Task]
    today: list[Task]
    upcoming: list[Task]


def my_work(user: User) -> MyWork:
    """Open tasks assigned to the user: overdue ones, those due before the end of today in
    the user's time zone, and those due in the next seven days."""
    now = timezone.now()
    end_of_today = timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=1), time.min)
    )
    open_tasks = (
        Task.objects.filter(
            assignee=user, done_at__isnull=True, due_at__lt=end_of_today + timedelta(days=7)
        )
        .select_related("deal", "account")
        .order_by("due_at")[:100]
    )
    overdue, today, upcoming = [], [], []
    for task in open_tasks:
        if task.due_at < now:
            overdue.append(task)
        elif task.due_at < end_of_today:
            today.append(task)
        else:
            upcoming.append(task)
    return MyWork(overdue=overdue, today=today, upcoming=upcoming)


def contact_choices(account: Account | None) -> QuerySet | None:
    """Whom an activity on the company's records may be with: its contacts (None for a lead
    not yet a company)."""
    return account.contacts.order_by("name", "id") if account is not None else None


def account_of(record: Deal | Account | Lead) -> Account | None:
    return record if isinstance(record, Account) else record.account


def activity_panel_context(record, user: User, form=None, task_form=None, with_timeline=False):
    """What a record's activity panel shows: its timeline (activities among everything else
    that happened to it, as far as `user` may see; loaded when its card comes into view unless
    `with_timeline`), its tasks, and the two forms (the posted ones again when refused)."""
    return {
        "record": record,
        "record_kind": record._meta.model_name,
        "timeline": timeline_for(record, user) if with_timeline else None,
        "tasks": tasks_of(record, user),
        "activity_form": form or styled(ActivityForm(contacts=contact_choices(account_of(record)))),
        "task_form": task_form or styled(TaskForm()),
    }
