"""The lead timers the monitor sweeps: a new lead not contacted within the first-contact window;
a lead without activity for the follow-up period (SOP: 7 days -> owner, 3 more -> manager)."""

from datetime import datetime
from typing import NamedTuple

from django.utils.translation import gettext as _

from salesop.leads.models import Lead
from salesop.monitor.registry import AlertKind, alert_kind, open_due_rows

OPEN_STATUSES = ("new", "contacted", "qualified", "nurturing")


def _touch_state(lead) -> str:
    return lead.last_activity_at.isoformat() if lead.last_activity_at else ""


def _first_contact(lead: Lead, rule) -> dict:
    return {
        "dedupe_key": f"{rule.key}:lead:{lead.pk}",
        "state": "",
        "params": {"lead": str(lead), "lead_id": lead.pk, "hours": rule.after_hours},
    }


def _followup(lead: Lead, rule) -> dict:
    state = _touch_state(lead)
    return {
        "dedupe_key": f"{rule.key}:lead:{lead.pk}:{state or 'never'}",
        "state": state,
        "params": {"lead": str(lead), "lead_id": lead.pk, "days": rule.after_days},
    }


class _Checked(NamedTuple):
    status: str
    first_contacted_at: datetime | None
    last_activity_at: datetime | None


def _leads_of(alerts) -> tuple[list, dict[int, _Checked]]:
    alerts = list(alerts)
    ids = [i for i in (a.params.get("lead_id") for a in alerts) if i]
    # only what the checks read, as tuples: a quiet sweep re-checks every open alert each minute
    leads = {}
    for start in range(0, len(ids), 900):  # SQLite's bound on parameters
        rows = Lead.objects.filter(pk__in=ids[start : start + 900]).values_list(
            "pk", *_Checked._fields
        )
        leads.update({pk: _Checked(*rest) for pk, *rest in rows})
    return alerts, leads


def _first_contact_cleared(alerts):
    alerts, leads = _leads_of(alerts)
    for alert in alerts:
        lead = leads.get(alert.params.get("lead_id"))
        if lead is None or lead.first_contacted_at or lead.status not in OPEN_STATUSES:
            yield alert


def _followup_cleared(alerts):
    alerts, leads = _leads_of(alerts)
    for alert in alerts:
        lead = leads.get(alert.params.get("lead_id"))
        if lead is None or lead.status not in OPEN_STATUSES or _touch_state(lead) != alert.state:
            yield alert


alert_kind(
    AlertKind(
        name="lead.first_contact_overdue",
        open_due=open_due_rows(Lead, "first_contact_due_at", _first_contact),
        cleared=_first_contact_cleared,
        title=lambda a: (
            _("New lead “%(lead)s” was not contacted within %(hours)s hours.")
            % {"lead": a.params["lead"], "hours": a.params["hours"]}
        ),
    )
)

alert_kind(
    AlertKind(
        name="lead.not_followed_up",
        open_due=open_due_rows(Lead, "followup_due_at", _followup),
        cleared=_followup_cleared,
        title=lambda a: (
            _("Lead “%(lead)s” has not been followed up for %(days)s days.")
            % {"lead": a.params["lead"], "days": a.params["days"]}
        ),
    )
)
