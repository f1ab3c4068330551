"""What happens to contracts, one function an event, published on the core event stream
(core.events). Each event's row is the record it is about: the review round (LegalReview) for
a submission or a return, the contract (and its audit entry) for a clearing or a
cancellation, the hand-over (Handover) for a signature; after-sales opens the delivery
project when a contract is signed."""

from salesop.accounts.models import User
from salesop.contracts.models import Contract, Handover, LegalReview
from salesop.core.events import publish

SUBMITTED = "contract.submitted"
RETURNED = "contract.returned"
CLEARED = "contract.cleared"
SENT = "contract.sent"
SIGNED = "contract.signed"
CANCELLED = "contract.cancelled"


def contract_submitted(review: LegalReview, *, by: User) -> None:
    """A contract went to legal for a review round: legal's turn."""
    publish(SUBMITTED, contract=review.contract, review=review, by=by)


def contract_returned(review: LegalReview, *, by: User) -> None:
    """Legal returned the contract with its clause decisions: the owner's turn."""
    publish(RETURNED, contract=review.contract, review=review, by=by)


def contract_cleared(contract: Contract, *, by: User) -> None:
    """The contract may be sent and signed: cleared by legal, or at once when no clause needed
    a review (contract.review_skipped)."""
    publish(CLEARED, contract=contract, by=by)


def contract_sent(contract: Contract, *, by: User) -> None:
    """The cleared contract went to the customer for signature (by the target signing date)."""
    publish(SENT, contract=contract, by=by)


def contract_signed(handover: Handover, *, by: User) -> None:
    """The customer signed; the hand-over says what delivery takes on: delivery's turn."""
    publish(SIGNED, contract=handover.contract, handover=handover, by=by)


def contract_cancelled(contract: Contract, *, by: User) -> None:
    """The contract was cancelled (contract.cancel_reason says why)."""
    publish(CANCELLED, contract=contract, by=by)
