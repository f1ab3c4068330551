"""Contract events on a deal's and a company's timeline: drafted, submitted to legal, returned
or cleared, sent for signature, signed; each links to the contract for those who may read it."""

from django.utils.translation import gettext as _

from salesop.contracts.models import LegalReview, ReviewOutcome
from salesop.contracts.selectors import contracts_visible_to
from salesop.core.timeline import Entry, source
from salesop.customers.models import Account
from salesop.deals.models import Deal


@source
def contract_story(asked):
    record, user, limit = asked.record, asked.user, asked.limit
    if isinstance(record, Deal):
        contracts = contracts_visible_to(user).filter(deal=record)
    elif isinstance(record, Account):
        contracts = contracts_visible_to(user).filter(deal__account=record)
    else:
        return []
    contracts = {c.pk: c for c in contracts.order_by("-created_at", "-id")[:limit]}
    if not contracts:
        return []
    on_company = isinstance(record, Account)

    def where(contract) -> str:
        return f"{contract} · {contract.deal.name}" if on_company else str(contract)

    entries = []
    cleared_by_legal = set()
    reviews = (
        LegalReview.objects.filter(contract_id__in=contracts)
        .select_related("submitted_by", "reviewer")
        .order_by("-submitted_at", "-id")[:limit]
    )
    for review in reviews:
        contract = contracts[review.contract_id]
        entries.append(
            Entry(
                at=review.submitted_at,
                kind="contract",
                text=_("Contract submitted to legal (round %(round)s)") % {"round": review.round},
                detail=where(contract),
                by=review.submitted_by,
                url=contract.get_absolute_url(),
            )
        )
        if review.decided_at:
            cleared = review.outcome == ReviewOutcome.APPROVED
            if cleared:
                cleared_by_legal.add(contract.pk)
            entries.append(
                Entry(
                    at=review.decided_at,
                    kind="contract",
                    text=_("Legal cleared the contract")
                    if cleared
                    else _("Legal returned the contract"),
                    detail=" · ".join(filter(None, [where(contract), review.comment])),
                    by=review.reviewer,
                    url=contract.get_absolute_url(),
                )
            )
    for contract in contracts.values():
        cleared = None if contract.pk in cleared_by_legal else contract.cleared_at
        for at, text in (
            (contract.created_at, _("Contract drafted")),
            (cleared, _("Contract cleared: its standard wording needs no legal review")),
            (contract.sent_at, _("Contract sent to the customer for signature")),
            (contract.signed_at, _("Contract signed")),
        ):
            if at:
                entries.append(
                    Entry(
                        at=at,
                        kind="contract",
                        text=text,
                        detail=where(contract),
                        url=contract.get_absolute_url(),
                    )
                )
    return entries
