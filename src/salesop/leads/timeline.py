"""What the leads app adds to a timeline: how the lead came in, was assigned, graded, moved
and converted. A deal's and a company's timelines carry the history of the leads they came
from, so the story starts where the customer first appeared."""

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.core.timeline import Entry, source
from salesop.customers.models import Account
from salesop.deals.models import Deal
from salesop.leads.models import Lead, LeadEvent, LeadEventKind
from salesop.leads.selectors import leads_visible_to
from salesop.playbook.selectors import active_playbook


def _text(event: LeadEvent, statuses: dict[str, str], people: dict[str, str]) -> str:
    if event.kind == LeadEventKind.CREATED:
        return _("Lead came in")
    if event.kind == LeadEventKind.ASSIGNED:
        return _("Lead assigned to %(owner)s") % {
            "owner": people.get(event.to_value, event.to_value)
        }
    if event.kind == LeadEventKind.GRADED:
        return _("Graded %(grade)s (score %(score)s)") % {
            "grade": event.to_value or "—",
            "score": event.note,
        }
    if event.kind == LeadEventKind.STATUS:
        return _("Status: %(from)s → %(to)s") % {
            "from": statuses.get(event.from_value, event.from_value),
            "to": statuses.get(event.to_value, event.to_value),
        }
    if event.kind == LeadEventKind.CONVERTED:
        return _("Converted to a deal")
    return _("A duplicate from an import was merged in")


@source
def lead_story(asked):
    record, user, limit = asked.record, asked.user, asked.limit
    if isinstance(record, Lead):
        leads = {record.pk: record}
    elif isinstance(record, Deal):
        leads = {lead.pk: lead for lead in leads_visible_to(user).filter(deal=record)}
    elif isinstance(record, Account):
        leads = {lead.pk: lead for lead in leads_visible_to(user).filter(account=record)[:20]}
    else:
        return []
    if not leads:
        return []
    language = get_language() or "zh-hans"
    statuses = {s.key: s.label.get(language) for s in active_playbook().lead_statuses}
    events = list(
        LeadEvent.objects.filter(lead_id__in=leads)
        .select_related("by")
        .order_by("-at", "-id")[:limit]
    )
    # an assignment names its owner by user name: shown by the name people know them by
    names = {e.to_value for e in events if e.kind == LeadEventKind.ASSIGNED}
    people = {u.username: str(u) for u in User.objects.filter(username__in=names)} if names else {}
    elsewhere = not isinstance(record, Lead)
    return [
        Entry(
            at=event.at,
            kind="lead",
            text=_text(event, statuses, people),
            detail=str(leads[event.lead_id])
            if elsewhere
            else (event.note if event.kind == LeadEventKind.STATUS else ""),
            by=event.by,
            url=reverse("leads:detail", args=[event.lead_id]) if elsewhere else "",
        )
        for event in events
    ]
