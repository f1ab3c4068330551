"""Whose turn a quote's approvals make it: the approvers when one is asked for, the deal's
owner (and whoever asked) when the quote is decided."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.models import User
from salesop.core.events import subscribe
from salesop.deals.events import LOST
from salesop.deals.models import Deal
from salesop.monitor.handoffs import handoff_kind, settle, tell
from salesop.pricing.events import (
    APPROVAL_DECIDED,
    APPROVAL_REQUESTED,
    APPROVED,
    REJECTED,
    SUPERSEDED,
)
from salesop.pricing.models import Approval, ApprovalStatus, Quote
from salesop.pricing.rules import may_decide
from salesop.pricing.selectors import concessions_named
from salesop.pricing.services import approvals_void

ASKED = handoff_kind("approval.requested", gettext_lazy("An approval is asked of me"))
DECIDED = handoff_kind("approval.decided", gettext_lazy("My quote was approved or refused"))


def approvers_of(approval: Approval) -> list[User]:
    """Everyone who may decide the approval (pricing.rules.may_decide)."""
    candidates = User.objects.filter(
        is_active=True, role_grants__role=approval.role
    ).select_related("team")
    return [user for user in candidates if may_decide(user, approval)]


@subscribe(APPROVAL_REQUESTED)
def ask_approvers(quote: Quote, approval: Approval, by: User) -> None:
    first = (
        quote.approvals.filter(status=ApprovalStatus.PENDING, role=approval.role)
        .order_by("id")
        .values_list("pk", flat=True)
        .first()
    )
    if first != approval.pk:
        return  # one turn for the quote's approvers, however many of its lines ask them
    deal = quote.deal
    tell(
        approvers_of(approval),
        ASKED,
        lambda: (
            _("%(owner)s asks you to approve %(quote)s for %(deal)s")
            % {"owner": approval.owner, "quote": quote.label, "deal": deal.name}
        ),
        reverse("pricing:quote_approvals", args=[quote.pk]),
        by=by,
        team=approval.team,
    )


def _tell_owner(quote: Quote, by: User, text) -> None:
    deal = quote.deal
    asked = User.objects.filter(pk__in=quote.approvals.values("owner"))
    tell(
        [deal.owner, *asked],
        DECIDED,
        text,
        reverse("deals:detail", args=[deal.pk]) + "#quotes",
        by=by,
        team=deal.team,
    )


@subscribe(APPROVED)
def approved(quote: Quote, by: User) -> None:
    if not quote.approvals.exists():
        return  # it needed none: nobody waited
    _tell_owner(
        quote,
        by,
        lambda: (
            _("%(quote)s for %(deal)s is approved: you may send it")
            % {"quote": quote.label, "deal": quote.deal.name}
        ),
    )


@subscribe(REJECTED)
def rejected(quote: Quote, by: User) -> None:
    """The rep hears what was refused (the discount, term or concession) and why."""
    refused = (
        quote.approvals.filter(status=ApprovalStatus.REJECTED)
        .select_related("line")
        .order_by("-decided_at", "-id")
        .first()
    )

    def text():
        said = {"who": by, "quote": quote.label, "deal": quote.deal.name}
        if refused is None:
            return _("%(who)s refused %(quote)s for %(deal)s: revise it") % said
        said["what"] = refused.what()
        if refused.comment:
            return _(
                "%(who)s refused %(what)s on %(quote)s for %(deal)s: “%(why)s”. Revise it."
            ) % {**said, "why": refused.comment}
        return _("%(who)s refused %(what)s on %(quote)s for %(deal)s: revise it") % said

    if refused is not None:
        refused.quote = quote
        concessions_named([refused])
    _tell_owner(quote, by, text)


@subscribe(SUPERSEDED)
@subscribe(APPROVED)
@subscribe(REJECTED)
def nobody_asked_any_more(quote: Quote, by: User) -> None:
    """A revised or decided quote waits for no approver: its ask leaves their inboxes (an
    approver opening it found a superseded quote, or one already decided)."""
    settle(ASKED, reverse("pricing:quote_approvals", args=[quote.pk]))


@subscribe(APPROVAL_DECIDED)
def asked_of_others(quote: Quote, approval: Approval, by: User) -> None:
    """One approval decided: whoever no other pending approval of the quote waits for (another
    holder of the role, finance once its part is given) has no ask left."""
    waiting = quote.approvals.filter(status=ApprovalStatus.PENDING).select_related("team")
    still = {user for pending in waiting for user in approvers_of(pending)}
    settle(ASKED, reverse("pricing:quote_approvals", args=[quote.pk]), still_theirs=still)


def withdraw_asks(approvals) -> None:
    """Voids the pending ones among `approvals`; their asks leave the approvers' inboxes."""
    for quote_id in {approval.quote_id for approval in approvals_void(approvals)}:
        settle(ASKED, reverse("pricing:quote_approvals", args=[quote_id]))


@subscribe(LOST)
def deal_lost(deal: Deal, **_event) -> None:
    """A lost deal's quotes wait for no approver (one approved later told the rep to send it)."""
    withdraw_asks(Approval.objects.filter(quote__deal=deal))
