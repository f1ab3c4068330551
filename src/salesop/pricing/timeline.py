"""Quotes and their approvals on a deal's and a company's timeline: each revision drafted and
sent, each approval asked (of which role, for what) and decided."""

from django.urls import reverse
from django.utils.translation import gettext as _

from salesop.accounts.models import Role
from salesop.core.timeline import Entry, source
from salesop.customers.models import Account
from salesop.deals.timeline import deals_in_view
from salesop.pricing.models import Approval, ApprovalStatus, Quote
from salesop.pricing.selectors import concessions_named


@source
def quote_story(asked):
    record, limit = asked.record, asked.limit
    deals = {deal.pk: deal for deal in deals_in_view(asked)}
    if not deals:
        return []
    on_company = isinstance(record, Account)

    def where(deal_id, label):
        return f"{label} · {deals[deal_id].name}" if on_company else label

    entries = []
    quotes = (
        Quote.objects.filter(deal_id__in=deals)
        .select_related("created_by", "sent_by")
        .order_by("-created_at", "-id")[:limit]
    )
    for quote in quotes:
        url = reverse("deals:detail", args=[quote.deal_id]) + f"#quote-{quote.pk}"
        entries.append(
            Entry(
                at=quote.created_at,
                kind="quote",
                text=_("Quote drafted"),
                detail=where(quote.deal_id, quote.label),
                by=quote.created_by,
                url=url,
            )
        )
        if quote.sent_at:
            entries.append(
                Entry(
                    at=quote.sent_at,
                    kind="quote",
                    text=_("Quote sent to the customer"),
                    detail=where(quote.deal_id, quote.label),
                    by=quote.sent_by,
                    url=url,
                )
            )
    approvals = concessions_named(
        list(
            Approval.objects.filter(quote__deal_id__in=deals)
            .select_related("quote", "line", "owner", "decided_by")
            .order_by("-requested_at", "-id")[:limit]
        )
    )
    roles = dict(Role.choices)
    for approval in approvals:
        url = reverse("pricing:quote_approvals", args=[approval.quote_id])
        label = where(approval.quote.deal_id, approval.quote.label)
        asked = _("Approval asked: %(subject)s (%(role)s)") % {
            "subject": approval.what(),
            "role": roles.get(approval.role, approval.role),
        }
        entries.append(
            Entry(
                at=approval.requested_at,
                kind="approval",
                text=asked,
                detail=label,
                by=approval.owner,
                url=url,
            )
        )
        if approval.decided_at and approval.status in (
            ApprovalStatus.APPROVED,
            ApprovalStatus.REJECTED,
        ):
            entries.append(
                Entry(
                    at=approval.decided_at,
                    kind="approval",
                    text=(
                        _("Approved: %(subject)s")
                        if approval.status == ApprovalStatus.APPROVED
                        else _("Rejected: %(subject)s")
                    )
                    % {"subject": approval.what()},
                    detail=" · ".join(filter(None, [label, approval.comment])),
                    by=approval.decided_by,
                    url=url,
                )
            )
    return entries
