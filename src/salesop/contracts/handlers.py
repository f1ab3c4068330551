"""Whose turn a contract's review makes it: legal when it is submitted, the deal's owner when
legal returns or clears it. (A signed contract's turn passes to delivery with its project.)"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.models import Role, User
from salesop.contracts.events import CANCELLED, CLEARED, RETURNED, SUBMITTED
from salesop.contracts.models import Contract, LegalReview
from salesop.contracts.selectors import contracts_visible_to
from salesop.core.events import subscribe
from salesop.monitor.handoffs import handoff_kind, settle, tell
from salesop.pricing.handlers import withdraw_asks
from salesop.pricing.models import Approval

TO_REVIEW = handoff_kind("contract.submitted", gettext_lazy("A contract waits for legal review"))
REVIEWED = handoff_kind("contract.reviewed", gettext_lazy("Legal returned or cleared my contract"))


def _opens(contract: Contract):
    return lambda user: contracts_visible_to(user).filter(pk=contract.pk).exists()


def _tell(people, kind, contract: Contract, by: User, text) -> None:
    tell(
        people,
        kind,
        text,
        reverse("contracts:detail", args=[contract.pk]),
        by=by,
        opens=_opens(contract),
        team=contract.deal.team,
    )


@subscribe(SUBMITTED)
def ask_legal(contract: Contract, review: LegalReview, by: User) -> None:
    reviewers = User.objects.filter(is_active=True, role_grants__role=Role.LEGAL)
    _tell(
        reviewers,
        TO_REVIEW,
        contract,
        by,
        lambda: (
            _("%(who)s submitted contract %(number)s (%(deal)s) for review")
            % {"who": by, "number": contract.number, "deal": contract.deal.name}
        ),
    )


def _owners(contract: Contract, review: LegalReview | None) -> list[User | None]:
    return [contract.deal.owner, review.submitted_by if review else None]


@subscribe(RETURNED)
def returned(contract: Contract, review: LegalReview, by: User) -> None:
    _tell(
        _owners(contract, review),
        REVIEWED,
        contract,
        by,
        lambda: (
            _("Legal returned contract %(number)s (%(deal)s): see the clause decisions")
            % {"number": contract.number, "deal": contract.deal.name}
        ),
    )


@subscribe(CLEARED)
def cleared(contract: Contract, by: User) -> None:
    review = contract.reviews.select_related("submitted_by").order_by("-id").first()
    _tell(
        _owners(contract, review),
        REVIEWED,
        contract,
        by,
        lambda: (
            _("Contract %(number)s (%(deal)s) is cleared: send it for signature")
            % {"number": contract.number, "deal": contract.deal.name}
        ),
    )


@subscribe(RETURNED)
@subscribe(CLEARED)
@subscribe(CANCELLED)
def review_over(contract: Contract, by: User, **_event) -> None:
    """Returned, cleared or withdrawn, the contract waits for no reviewer: its ask leaves every
    reviewer's inbox (the one who decided, and the others who could have)."""
    settle(TO_REVIEW, reverse("contracts:detail", args=[contract.pk]))


@subscribe(CANCELLED)
def incentives_withdrawn(contract: Contract, by: User) -> None:
    """A withdrawn contract's incentives wait for no approver."""
    withdraw_asks(Approval.objects.filter(pk__in=contract.incentives.values("approval")))
