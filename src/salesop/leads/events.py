"""What happens to leads: each kept as a LeadEvent row (the funnel and grading calibration are
computed from them) and published on the core event stream as "lead.<kind>"."""

from salesop.accounts.models import User
from salesop.core.events import publish, publish_rows
from salesop.leads.models import Lead, LeadEvent


def lead_event(
    lead: Lead, kind: str, by: User | None, from_value="", to_value="", note=""
) -> LeadEvent:
    event = LeadEvent.objects.create(
        lead=lead,
        kind=kind,
        by=by,
        from_value=str(from_value)[:64],
        to_value=str(to_value)[:64],
        note=note[:300],
    )
    publish(f"lead.{kind}", lead=lead, event=event)
    return event


def lead_events(events: list[LeadEvent]) -> list[LeadEvent]:
    """Many at once (an import): one INSERT, each published."""
    made = LeadEvent.objects.bulk_create(events)
    publish_rows(made, "lead")
    return made
