"""Exit criteria about the deal itself. Each says, when unmet, what the rep should do."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.deals.rules import GateContext, unticked_items
from salesop.playbook.registry import criterion


@criterion("checklist.complete", gettext_lazy("Every checklist item of the stage is ticked"))
def checklist_complete(context: GateContext) -> str | None:
    missing = unticked_items(context)
    if missing:
        return _("tick the checklist items: %(items)s") % {"items": ", ".join(missing)}
    return None


@criterion("deal.amount_set", gettext_lazy("The deal has an amount"))
def amount_set(context: GateContext) -> str | None:
    if not context.deal.amount:
        return _("enter the deal amount")
    return None


@criterion("deal.close_date_set", gettext_lazy("The deal has an expected close date"))
def close_date_set(context: GateContext) -> str | None:
    if context.deal.expected_close_date is None:
        return _("set the expected close date")
    return None
