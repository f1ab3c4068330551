"""Exit criteria about proposals and objections."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.deals.models import ProposalStatus, ValueRow
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


@criterion(
    "proposal.value_rows_written",
    gettext_lazy("A proposal is organised as pain, solution and quantified value"),
)
def value_rows_written(context: GateContext) -> str | None:
    if not ValueRow.objects.filter(proposal__deal=context.deal).exists():
        return _("write the proposal's rows: the customer's pain, the solution, its value")
    return None
