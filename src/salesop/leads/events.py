"""What happens to leads, one function an event: each keeps its LeadEvent row (the funnel,
first-contact times and grading calibration are computed from them) and publishes it on the
core event stream under its name, with the lead and the row."""

from salesop.accounts.models import User
from salesop.core.events import publish
from salesop.leads.models import Lead, LeadEvent, LeadEventKind

CREATED = "lead.created"
STATUS = "lead.status"
GRADED = "lead.graded"
ASSIGNED = "lead.assigned"
CONVERTED = "lead.converted"
MERGED = "lead.merged"
IMPORTED = "lead.imported"


def _record(
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


def lead_arrived(lead: Lead, *, by: User | None) -> list[LeadEvent]:
    """A new lead came in through its channel and was given its first owner: both rows in one
    INSERT (intake writes many), published in that order."""
    made = LeadEvent.objects.bulk_create(
        [
            LeadEvent(lead=lead, kind=LeadEventKind.CREATED, by=by, to_value=lead.channel.name),
            LeadEvent(
                lead=lead, kind=LeadEventKind.ASSIGNED, by=by, to_value=lead.owner.username[:64]
            ),
        ]
    )
    for event in made:
        publish(f"lead.{event.kind}", lead=lead, event=event)
    return made


def lead_assigned(lead: Lead, *, by: User | None, previous: str = "") -> LeadEvent:
    """The lead was handed to its owner (from `previous`, a user name, when it had one)."""
    return _record(lead, LeadEventKind.ASSIGNED, by, previous, lead.owner.username)


def lead_status_changed(lead: Lead, *, by: User | None, previous: str, note="") -> LeadEvent:
    """The lead's status moved from `previous` to the one it has now."""
    return _record(lead, LeadEventKind.STATUS, by, previous, lead.status, note=note)


def lead_graded(lead: Lead, *, by: User | None, previous: str, total) -> LeadEvent:
    """The lead's grade changed from `previous`, on a score of `total`."""
    return _record(lead, LeadEventKind.GRADED, by, previous, lead.grade, note=f"{total}")


def lead_converted(lead: Lead, *, by: User) -> LeadEvent:
    """The qualified lead became a deal (lead.deal)."""
    return _record(lead, LeadEventKind.CONVERTED, by, "qualified", f"deal {lead.deal_id}")


def lead_merged(lead: Lead, *, by: User, job_id: int) -> LeadEvent:
    """An import filled the lead's empty fields from a row that is the same lead."""
    return _record(lead, LeadEventKind.MERGED, by, to_value=f"import {job_id}")


def leads_imported(leads: list[Lead], *, by: User, job_id: int) -> list[LeadEvent]:
    """Leads created by an import: one INSERT of their "created" rows; each lead published
    as imported (its owner's timers start from its own date), not as created now."""
    made = LeadEvent.objects.bulk_create(
        LeadEvent(lead=lead, kind=LeadEventKind.CREATED, by=by, to_value=f"import {job_id}")
        for lead in leads
    )
    for event in made:
        publish(IMPORTED, lead=event.lead, event=event, by=by)
    return made
