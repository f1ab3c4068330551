"""After the sale on a company's timeline (and a deal's delivery on the deal's): the project
started, tickets opened and resolved, surveys answered, revisits done, the customer lost."""

from datetime import datetime, time

from django.urls import reverse
from django.utils.translation import gettext as _

from salesop.aftersales.models import Churn, Revisit, RevisitStatus, Survey
from salesop.aftersales.selectors import projects_visible_to, tickets_visible_to
from salesop.core.time import company_zone
from salesop.core.timeline import Entry, source
from salesop.customers.models import Account
from salesop.deals.models import Deal


def _project_entries(projects) -> list[Entry]:
    return [
        Entry(
            at=project.created_at,
            kind="project",
            text=_("Delivery project started"),
            detail=project.name,
            url=reverse("aftersales:project", args=[project.pk]),
        )
        for project in projects
    ]


@source
def aftersales_story(asked):
    record, user, limit = asked.record, asked.user, asked.limit
    if isinstance(record, Deal):
        return _project_entries(projects_visible_to(user).filter(deal=record))
    if not isinstance(record, Account):
        return []
    entries = _project_entries(projects_visible_to(user).filter(account=record)[:limit])
    tickets = tickets_visible_to(user).filter(account=record).order_by("-opened_at", "-id")
    for ticket in tickets[:limit]:
        url = reverse("aftersales:ticket", args=[ticket.pk])
        detail = f"{ticket.number} · {ticket.title}"
        entries.append(
            Entry(
                at=ticket.opened_at, kind="ticket", text=_("Ticket opened"), detail=detail, url=url
            )
        )
        if ticket.resolved_at:
            entries.append(
                Entry(
                    at=ticket.resolved_at,
                    kind="ticket",
                    text=_("Ticket resolved"),
                    detail=detail,
                    url=url,
                )
            )
    surveys = Survey.objects.filter(account=record, answered_at__isnull=False)
    for survey in surveys.order_by("-answered_at", "-id")[:limit]:
        scores = [
            _("NPS %(score)s") % {"score": survey.nps} if survey.nps is not None else "",
            _("CSAT %(score)s") % {"score": survey.csat} if survey.csat is not None else "",
            survey.comment,
        ]
        entries.append(
            Entry(
                at=survey.answered_at,
                kind="survey",
                text=_("Survey answered (after %(trigger)s)")
                % {"trigger": survey.get_trigger_display()},
                detail=" · ".join(filter(None, scores)),
            )
        )
    revisits = Revisit.objects.filter(account=record, status=RevisitStatus.DONE)
    zone = company_zone()
    for revisit in revisits.select_related("owner").order_by("-done_on", "-id")[:limit]:
        entries.append(
            Entry(
                # recorded by its day: placed at noon of that day (company time), shown as the day
                at=datetime.combine(revisit.done_on, time(12), tzinfo=zone),
                day=revisit.done_on,
                kind="revisit",
                text=_("Revisit done (%(form)s)") % {"form": revisit.get_form_display() or "—"},
                detail=revisit.new_needs or revisit.product_experience,
                by=revisit.owner,
                url=reverse("aftersales:revisit", args=[revisit.pk]),
            )
        )
    for churn in Churn.objects.filter(account=record).select_related("by")[:limit]:
        entries.append(
            Entry(
                at=churn.at,
                kind="churn",
                text=_("Customer lost"),
                detail=" · ".join(filter(None, [churn.competitor, churn.note])),
                by=churn.by,
            )
        )
    return entries
