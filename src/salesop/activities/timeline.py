"""Every contact with the customer on a record's timeline, drawn in full (with whom, how long,
the outcome, the notes); a converted lead's activities are on its deal and company too."""

from salesop.activities.selectors import activities_of
from salesop.core.timeline import Entry, source
from salesop.customers.models import Account
from salesop.deals.models import Deal
from salesop.leads.models import Lead


@source
def activity_story(asked):
    record, user, limit = asked.record, asked.user, asked.limit
    if not isinstance(record, Lead | Deal | Account):
        return []
    return [
        Entry(at=activity.occurred_at, kind="activity", text="", by=activity.by, activity=activity)
        for activity in activities_of(record, user, limit)
    ]
