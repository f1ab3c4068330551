"""What happens after the sale, one function an event, published on the core event stream
(core.events). Each event's row is the record it is about: the delivery project, the ticket
(with its audit entries), the progress update sent."""

from salesop.accounts.models import User
from salesop.aftersales.models import (
    DeliveryProject,
    ProgressUpdate,
    ProjectMember,
    Survey,
    Ticket,
    TicketMessage,
)
from salesop.core.events import publish

PROJECT_OPENED = "project.opened"
MEMBER_SET = "project.member_set"
UPDATE_SENT = "project.update_sent"
TICKET_OPENED = "ticket.opened"
TICKET_CUSTOMER_WROTE = "ticket.customer_wrote"
TICKET_RESOLVED = "ticket.resolved"
LOW_SCORE = "survey.low_score"


def project_opened(project: DeliveryProject, *, by: User) -> None:
    """A signed contract's delivery project was opened with its team and milestones."""
    publish(PROJECT_OPENED, project=project, by=by)


def member_set(member: ProjectMember, *, by: User) -> None:
    """Someone was put on the project's team in a role (member.role): now theirs to serve."""
    publish(MEMBER_SET, project=member.project, member=member, by=by)


def update_sent(update: ProgressUpdate, *, by: User) -> None:
    """The week's progress update went to the customer."""
    publish(UPDATE_SENT, project=update.project, update=update, by=by)


def ticket_opened(ticket: Ticket, *, by: User | None) -> None:
    """A customer's ticket was opened (by a person, or by the customer through the support
    link: `by` None); its owner's SLA clocks run."""
    publish(TICKET_OPENED, ticket=ticket, by=by)


def customer_wrote(message: TicketMessage) -> None:
    """The customer wrote on their ticket through the support link: the owner's turn."""
    publish(TICKET_CUSTOMER_WROTE, ticket=message.ticket, message=message, by=None)


def ticket_resolved(ticket: Ticket, *, by: User) -> None:
    """The ticket was resolved."""
    publish(TICKET_RESOLVED, ticket=ticket, by=by)


def low_score(survey: Survey) -> None:
    """The customer answered a survey at or below the playbook's threshold: customer
    success follows it up (survey.follow_up is their task)."""
    publish(LOW_SCORE, survey=survey, by=None)
