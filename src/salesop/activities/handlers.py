"""Whose turn a task given to someone else makes it: the assignee's. A lead that becomes a
deal brings its story along: its activities and tasks belong to the deal and the company too."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.models import User
from salesop.activities.events import TASK_ASSIGNED
from salesop.activities.models import Activity, Task
from salesop.core.events import subscribe
from salesop.leads.events import CONVERTED
from salesop.leads.models import Lead
from salesop.monitor.handoffs import handoff_kind, tell

TASK = handoff_kind("task.assigned", gettext_lazy("Someone gives me a task"))


def _page(task: Task) -> str:
    if task.deal_id:
        return reverse("deals:detail", args=[task.deal_id])
    if task.lead_id:
        return reverse("leads:detail", args=[task.lead_id])
    if task.account_id:
        return reverse("customers:detail", args=[task.account_id])
    return reverse("home")


@subscribe(TASK_ASSIGNED)
def tell_assignee(task: Task, by: User) -> None:
    tell(
        [task.assignee],
        TASK,
        lambda: _("%(who)s gave you a task: %(task)s") % {"who": by, "task": task.title},
        _page(task),
        by=by,
    )


@subscribe(CONVERTED)
def carry_over(lead: Lead, **_event) -> None:
    """The lead's first call and notes are the deal's and the company's history as well: the
    deal page, the company page and the discovery prep show them (the lead keeps them too)."""
    Activity.objects.filter(lead=lead).update(account_id=lead.account_id, deal_id=lead.deal_id)
    Task.objects.filter(lead=lead).update(account_id=lead.account_id, deal_id=lead.deal_id)
