"""Exit criteria about the deal's contract."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.contracts.models import SIGNED_STATUSES, ContractStatus
from salesop.contracts.selectors import current_contract
from salesop.deals.rules import GateContext, fact
from salesop.playbook.registry import criterion


@criterion("contract.legal_cleared", gettext_lazy("The contract is cleared by legal"))
def legal_cleared(context: GateContext) -> str | None:
    contract = fact(context, "contract", current_contract)
    if contract is None:
        return _("make the contract from the approved quote")
    if contract.status == ContractStatus.IN_REVIEW:
        return _("wait for legal to finish reviewing contract %(number)s") % {
            "number": contract.number
        }
    if not contract.cleared:
        return _("submit contract %(number)s and have legal clear it") % {"number": contract.number}
    return None


@criterion("contract.signed", gettext_lazy("The customer signed the contract"))
def signed(context: GateContext) -> str | None:
    contract = fact(context, "contract", current_contract)
    if contract is None or contract.status not in SIGNED_STATUSES:
        return _("record the customer's signature with the signed copy")
    return None


@criterion(
    "contract.signing_date_set",
    gettext_lazy("The contract has the signing date agreed with the customer"),
)
def signing_date_set(context: GateContext) -> str | None:
    contract = fact(context, "contract", current_contract)
    if contract is None or contract.target_signing_date is None:
        return _("enter the signing date agreed with the customer on the contract")
    return None
