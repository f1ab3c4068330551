"""What leads do when other apps' events happen (core.events)."""

from salesop.accounts.models import User
from salesop.activities.events import LOGGED
from salesop.activities.models import Activity
from salesop.core.events import subscribe
from salesop.leads.services import lead_touched


@subscribe(LOGGED)
def contact_logged(activity: Activity, by: User) -> None:
    """A contact logged on a lead verifies it (new -> contacted) and restarts its follow-up
    clock."""
    if activity.lead_id is not None:
        lead_touched(lead=activity.lead, at=activity.occurred_at, by=by)
