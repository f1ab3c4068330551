"""What leads do when other apps' events happen (core.events), and whose turn a lead handed
to someone makes it."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.models import User
from salesop.activities.events import LOGGED
from salesop.activities.models import Activity
from salesop.core.events import subscribe
from salesop.leads.events import ASSIGNED
from salesop.leads.models import Lead, LeadEvent
from salesop.leads.services import lead_touched
from salesop.monitor.handoffs import handoff_kind, settle, tell

LEAD = handoff_kind("lead.assigned", gettext_lazy("A lead is handed to me"))


@subscribe(LOGGED)
def contact_logged(activity: Activity, by: User) -> None:
    """A contact logged on a lead verifies it (new -> contacted) and restarts its follow-up
    clock."""
    if activity.lead_id is not None:
        lead_touched(lead=activity.lead, at=activity.occurred_at, by=by)


@subscribe(ASSIGNED)
def tell_new_owner(lead: Lead, event: LeadEvent) -> None:
    """The lead's new owner hears of it, unless they took it themselves; an earlier owner's
    unread "a lead is yours" about it leaves their inbox (its link would answer 404)."""
    url = reverse("leads:detail", args=[lead.pk])
    first = not event.from_value  # a new lead: nobody was told of it before
    if not first:
        settle(LEAD, url, still_theirs=[lead.owner])
    tell(
        [lead.owner],
        LEAD,
        lambda: _("A lead is yours: %(lead)s") % {"lead": lead},
        url,
        by=event.by,
        team=lead.team,
        fresh=first,
    )
