"""Exit criteria about proposals and objections."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.deals.models import ProposalStatus
from salesop.deals.rules import GateContext
from salesop.playbook.registry import criterion


@criterion("proposal.delivered", gettext_lazy("A proposal was presented to the customer"))
def proposal_delivered(context: GateContext) -> str | None:
    if not context.deal.proposals.filter(status=ProposalStatus.DELIVERED).exists():
        return _(
            "present a proposal (pain, solution, quantified value) and log the presentation "
            "under Proposals on the deal page"
        )
    return None


@criterion("objections.resolved", gettext_lazy("Every objection the customer raised is resolved"))
def objections_resolved(context: GateContext) -> str | None:
    open_count = context.deal.objections.filter(resolved=False).count()
    if open_count:
        return _("answer the customer's open objections (%(n)d) and mark them resolved") % {
            "n": open_count
        }
    return None
