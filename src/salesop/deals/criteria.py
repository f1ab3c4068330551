"""Exit criteria about the deal itself. Each says, when unmet, what the rep should do."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.deals.models import (
    Discovery,
    NeedKind,
    QuestionLayer,
    RecapStatus,
    Stakeholder,
    StakeholderRole,
)
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


@criterion(
    "discovery.recap_confirmed",
    gettext_lazy(
        "The recap of the customer's needs is confirmed (by the customer, or marked by the rep)"
    ),
)
def recap_confirmed(context: GateContext) -> str | None:
    discovery = _discovery(context)
    if discovery is None or not discovery.recap_text:
        return _("write the recap of the customer's needs and have them confirm it")
    if discovery.recap_status == RecapStatus.CORRECTED:
        return _("the customer corrected the recap: revise it and send it again")
    if discovery.recap_status not in (RecapStatus.CONFIRMED, RecapStatus.MARKED):
        return _("have the customer confirm the recap of their needs")
    return None


@criterion(
    "discovery.recap_confirmed_by_customer",
    gettext_lazy("The customer confirmed the recap of their needs through its link"),
)
def recap_confirmed_by_customer(context: GateContext) -> str | None:
    discovery = _discovery(context)
    if discovery is None or not discovery.recap_text:
        return _("write the recap of the customer's needs and send it to them to confirm")
    if discovery.recap_status == RecapStatus.CORRECTED:
        return _("the customer corrected the recap: revise it and send it again")
    if discovery.recap_status == RecapStatus.MARKED:
        return _(
            "the rep's mark is not enough here: send the recap to the customer to confirm "
            "through its link"
        )
    if discovery.recap_status != RecapStatus.CONFIRMED:
        return _("have the customer confirm the recap through the link sent to them")
    return None


def _discovery(context: GateContext) -> Discovery | None:
    """The deal's discovery record, read once for the criteria that look at it."""
    key = ("discovery", "")
    if key not in context.memo:
        context.memo[key] = Discovery.objects.filter(deal=context.deal).first()
    return context.memo[key]


@criterion(
    "discovery.prep_done",
    gettext_lazy("The prep brief has the industry's news and the competitors' moves"),
)
def prep_done(context: GateContext) -> str | None:
    discovery = _discovery(context)
    if discovery is None or not (discovery.industry_news and discovery.competitor_moves):
        return _("write the industry's news and the competitors' moves in the prep brief")
    return None


@criterion("discovery.open_questions_planned", gettext_lazy("The call plan has open questions"))
def open_questions_planned(context: GateContext) -> str | None:
    if not context.deal.call_plan.filter(question__is_open=True).exists():
        return _("pick open questions from the question bank for the call plan")
    return None


@criterion(
    "discovery.needs_recorded",
    gettext_lazy("Needs are recorded at both layers (surface and deep)"),
)
def needs_recorded(context: GateContext) -> str | None:
    kinds = set(context.deal.needs.values_list("kind", flat=True))
    layers = {NeedKind.layer_of(kind) for kind in kinds}
    if QuestionLayer.SURFACE not in layers:
        return _("record a surface need (a feature or the budget range)")
    if QuestionLayer.DEEP not in layers:
        return _("record a deep need (a strategic goal or a hidden pain)")
    return None


def _role_gap(deal, role: str, engaged: bool) -> bool:
    people = Stakeholder.objects.filter(deal=deal, role=role)
    if engaged:
        people = people.filter(last_engaged_at__isnull=False)
    return not people.exists()


@criterion(
    "stakeholders.decision_maker_identified",
    gettext_lazy("A decision maker is named in the decision chain"),
)
def decision_maker_identified(context: GateContext) -> str | None:
    if _role_gap(context.deal, StakeholderRole.DECISION_MAKER, engaged=False):
        return _("add the decision maker to the decision chain")
    return None


@criterion(
    "stakeholders.decision_maker_engaged",
    gettext_lazy("The decision maker has been engaged"),
)
def decision_maker_engaged(context: GateContext) -> str | None:
    if _role_gap(context.deal, StakeholderRole.DECISION_MAKER, engaged=True):
        return _("meet or call the decision maker and record it in the decision chain")
    return None


@criterion("stakeholders.finance_engaged", gettext_lazy("Finance has been engaged"))
def finance_engaged(context: GateContext) -> str | None:
    if _role_gap(context.deal, StakeholderRole.FINANCE, engaged=True):
        return _("engage the customer's finance contact and record it in the decision chain")
    return None
