"""Exit criteria about quotes."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.deals.rules import GateContext
from salesop.playbook.registry import criterion
from salesop.pricing.models import QuoteStatus
from salesop.pricing.selectors import current_quote


@criterion(
    "quote.within_policy_or_approved",
    gettext_lazy("The latest quote is within the price policy or approved"),
)
def within_policy_or_approved(context: GateContext) -> str | None:
    latest = current_quote(context.deal)  # only the newest revision counts
    if latest is None:
        return _("make a quote")
    if latest.status != QuoteStatus.APPROVED:
        return _("get the quote approved (discount or payment term beyond the policy)")
    return None
