"""What after-sales does when other apps' events happen (core.events), and whose turn its own
events make it: the delivery team's when a project opens or takes them on, a ticket's owner's
when it opens, customer success's and the account owner's on a low survey score."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.models import User
from salesop.aftersales.events import LOW_SCORE, MEMBER_SET, PROJECT_OPENED, TICKET_OPENED
from salesop.aftersales.models import DeliveryProject, ProjectMember, Survey, Ticket
from salesop.aftersales.projects import project_from_handover
from salesop.aftersales.revisits import revisits_plan
from salesop.contracts.events import SIGNED
from salesop.contracts.models import Contract, Handover
from salesop.core.events import subscribe
from salesop.customers.events import TIER_CHANGED
from salesop.customers.models import Account
from salesop.monitor.handoffs import handoff_kind, tell

ON_PROJECT = handoff_kind("project.member", gettext_lazy("I am put on a delivery project"))
TICKET = handoff_kind("ticket.assigned", gettext_lazy("A customer's ticket is mine"))
LOW = handoff_kind("survey.low_score", gettext_lazy("A customer of mine gave a low score"))


@subscribe(TIER_CHANGED)
def replan_revisits(account: Account, by: User) -> None:
    """A company's tier sets how often it is revisited: its planned revisits follow."""
    revisits_plan(account=account, by=by)


@subscribe(SIGNED)
def open_project(contract: Contract, handover: Handover, by: User) -> None:
    """A signed contract's hand-over opens its delivery project."""
    project_from_handover(handover=handover, by=by)


def _sees(model, pk: int):
    return lambda user: model.objects.seen_by(user, pk)


def _tell_member(project: DeliveryProject, member: ProjectMember, by: User | None) -> None:
    tell(
        [member.user],
        ON_PROJECT,
        lambda: (
            _("You are the %(role)s of the delivery project %(project)s")
            % {"role": member.get_role_display(), "project": project.name}
        ),
        reverse("aftersales:project", args=[project.pk]),
        by=by,
        opens=_sees(DeliveryProject, project.pk),
        team=project.team,
    )


@subscribe(PROJECT_OPENED)
def tell_delivery_team(project: DeliveryProject, by: User) -> None:
    for member in project.members.select_related("user"):
        _tell_member(project, member, by)


@subscribe(MEMBER_SET)
def tell_new_member(project: DeliveryProject, member: ProjectMember, by: User) -> None:
    _tell_member(project, member, by)


@subscribe(TICKET_OPENED)
def tell_ticket_owner(ticket: Ticket, by: User | None) -> None:
    tell(
        [ticket.owner],
        TICKET,
        lambda: (
            _("Ticket %(number)s from %(account)s is yours: %(title)s")
            % {"number": ticket.number, "account": ticket.account.name, "title": ticket.title}
        ),
        reverse("aftersales:ticket", args=[ticket.pk]),
        by=by,
        opens=_sees(Ticket, ticket.pk),
        team=ticket.team,
    )


@subscribe(LOW_SCORE)
def tell_low_score(survey: Survey, by: None) -> None:
    account = survey.account
    task = survey.follow_up
    tell(
        [task.assignee if task else None, account.owner],
        LOW,
        lambda: (
            _("%(account)s scored NPS %(nps)d, CSAT %(csat)d: follow it up")
            % {"account": account.name, "nps": survey.nps, "csat": survey.csat}
        ),
        reverse("customers:detail", args=[account.pk]),
        by=None,
        opens=_sees(Account, account.pk),
        team=account.team,
    )
