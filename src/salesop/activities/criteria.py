"""Exit criteria about contact with the customer."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.activities.models import Activity, ActivityKind
from salesop.deals.rules import GateContext
from salesop.playbook.registry import criterion


@criterion(
    "activity.logged_in_stage", gettext_lazy("A customer contact is logged while in the stage")
)
def logged_in_stage(context: GateContext) -> str | None:
    deal = context.deal
    if deal.stage != context.stage.key:
        return None  # a skipped stage has no time of its own to log in
    if not Activity.objects.filter(deal=deal, occurred_at__gte=deal.stage_entered_at).exists():
        return _("log a call, meeting or visit with the customer in this stage")
    return None


@criterion("activity.demo_logged", gettext_lazy("A demo for the customer is logged on the deal"))
def demo_logged(context: GateContext) -> str | None:
    if not Activity.objects.filter(deal=context.deal, kind=ActivityKind.DEMO).exists():
        return _("log the demo of the customer's scenario as an activity of kind Demo")
    return None
