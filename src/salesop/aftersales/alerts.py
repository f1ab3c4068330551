"""The after-sales timers the monitor sweeps: a ticket's first response or solution direction
running past its SLA, and a delivery project without its weekly progress update."""

from django.utils.translation import gettext as _

from salesop.aftersales.models import DeliveryProject, ProjectStatus, Ticket
from salesop.monitor.registry import AlertKind, alert_kind, open_due_rows


def _ticket_alert(clock: str):
    def make(ticket: Ticket, rule) -> dict:
        return {
            "dedupe_key": f"{rule.key}:ticket:{ticket.pk}",
            "state": clock,
            "params": {"ticket_id": ticket.pk, "ticket": ticket.number, "title": ticket.title},
        }

    return make


def _ticket_cleared(stopped: str):
    def cleared(alerts):
        alerts = list(alerts)
        running = set(
            Ticket.objects.filter(
                pk__in=[a.params.get("ticket_id") for a in alerts], **{f"{stopped}__isnull": True}
            ).values_list("pk", flat=True)
        )
        return (a for a in alerts if a.params.get("ticket_id") not in running)

    return cleared


alert_kind(
    AlertKind(
        name="ticket.first_response_overdue",
        open_due=open_due_rows(Ticket, "response_alert_at", _ticket_alert("response")),
        cleared=_ticket_cleared("responded_at"),
        title=lambda a: (
            _("Ticket %(ticket)s “%(title)s” has had no first response within its SLA.")
            % {"ticket": a.params["ticket"], "title": a.params["title"]}
        ),
    )
)

alert_kind(
    AlertKind(
        name="ticket.solution_direction_overdue",
        open_due=open_due_rows(Ticket, "direction_alert_at", _ticket_alert("direction")),
        cleared=_ticket_cleared("direction_at"),
        title=lambda a: (
            _("Ticket %(ticket)s “%(title)s” has no solution direction within its SLA.")
            % {"ticket": a.params["ticket"], "title": a.params["title"]}
        ),
    )
)


def _update_alert(project: DeliveryProject, rule) -> dict:
    due = project.update_due_at.isoformat()
    return {
        "dedupe_key": f"{rule.key}:project:{project.pk}:{due[:10]}",
        "deal": project.deal,
        "state": due,
        "params": {"project_id": project.pk, "project": project.name},
    }


def _update_cleared(alerts):
    alerts = list(alerts)
    late = {
        p.pk: p
        for p in DeliveryProject.objects.filter(
            pk__in=[a.params.get("project_id") for a in alerts], status=ProjectStatus.ACTIVE
        )
    }
    # Sending an update moves the due time on: the alert for the old one is answered.
    return (
        a
        for a in alerts
        if a.params.get("project_id") not in late
        or late[a.params["project_id"]].update_due_at is not None
    )


alert_kind(
    AlertKind(
        name="project.update_missing",
        open_due=open_due_rows(
            DeliveryProject, "update_due_at", _update_alert, ("owner", "team", "deal")
        ),
        cleared=_update_cleared,
        title=lambda a: (
            _("No progress update went to the customer of “%(project)s” this week.")
            % {"project": a.params["project"]}
        ),
    )
)
