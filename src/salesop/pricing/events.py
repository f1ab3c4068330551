"""What happens to quotes and their approvals, one function an event, published on the core
event stream (core.events). Each event's row is the record it is about: the Approval for a
request or a decision, the quote (and its audit entry) for its outcome and its sending."""

from salesop.accounts.models import User
from salesop.core.events import publish
from salesop.pricing.models import Approval, Quote

APPROVAL_REQUESTED = "quote.approval_requested"
APPROVAL_DECIDED = "quote.approval_decided"
APPROVED = "quote.approved"
REJECTED = "quote.rejected"
SENT = "quote.sent"
SUPERSEDED = "quote.superseded"


def approval_requested(approval: Approval) -> None:
    """A quote needs this approval (approval.role decides): the approvers' turn."""
    publish(APPROVAL_REQUESTED, quote=approval.quote, approval=approval, by=approval.owner)


def approval_decided(approval: Approval, *, by: User) -> None:
    """An approver decided one approval of a quote (approval.status)."""
    publish(APPROVAL_DECIDED, quote=approval.quote, approval=approval, by=by)


def quote_approved(quote: Quote, *, by: User) -> None:
    """The quote's last approval was given, or it needed none: the owner may send it."""
    publish(APPROVED, quote=quote, by=by)


def quote_rejected(quote: Quote, *, by: User) -> None:
    """An approver refused the quote: the owner revises it."""
    publish(REJECTED, quote=quote, by=by)


def quote_sent(quote: Quote, *, by: User) -> None:
    """The approved quote was sent to the customer."""
    publish(SENT, quote=quote, by=by)


def quote_superseded(quote: Quote, *, by: User) -> None:
    """A newer revision replaced the quote: what it asked of approvers is void."""
    publish(SUPERSEDED, quote=quote, by=by)
