"""Legal review pages: submitting a contract, legal's queue, and legal's decision on the
contract page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesop.contracts import legal_review, rules, selectors
from salesop.contracts.models import ContractStatus
from salesop.contracts.views import back, page_context, posted_version
from salesop.core.errors import DomainError
from salesop.core.forms import flash_refusal


@login_required
@require_POST
def contract_submit(request, contract_id: int):
    contract = selectors.contract_for(request.user, contract_id)
    try:
        legal_review.contract_submit(
            contract=contract, by=request.user, expected_version=posted_version(request)
        )
    except DomainError as exc:
        flash_refusal(request, exc)
    else:
        if contract.status == ContractStatus.IN_REVIEW:
            messages.success(request, _("Sent to legal for review."))
        else:
            messages.success(request, _("No clause needs legal review: the contract is cleared."))
    return back(contract)


@login_required
@require_POST
def review_decide(request, contract_id: int):
    contract = selectors.contract_for(request.user, contract_id)
    decisions = []
    for clause in contract.clauses.all():
        verdict = request.POST.get(f"verdict-{clause.key}", "")
        if not verdict:
            continue
        decisions.append(
            {
                "clause": clause.key,
                "verdict": verdict,
                "comment": request.POST.get(f"comment-{clause.key}", ""),
                "proposed_text": request.POST.get(f"proposed-{clause.key}", ""),
            }
        )
    approve = request.POST.get("outcome") == "approve"
    try:
        legal_review.review_decide(
            contract=contract,
            by=request.user,
            approve=approve,
            decisions=decisions,
            comment=request.POST.get("comment", ""),
            expected_version=posted_version(request),
        )
    except DomainError as exc:
        flash_refusal(request, exc)
        errors = {}
        for name, message in exc.fields.items():
            parts = name.split(".")
            if len(parts) == 3 and parts[0] == "decisions" and parts[1].isdigit():
                index = int(parts[1])
                if index < len(decisions):
                    errors[f"{parts[2]}-{decisions[index]['clause']}"] = message
            else:
                errors[name] = message
        context = page_context(
            request,
            contract,
            review_errors=errors,
            review_values=dict(request.POST.items()),
        )
        return render(request, "contracts/detail.html", context, status=422)
    if approve:
        messages.success(request, _("Contract approved."))
    else:
        messages.success(request, _("Contract returned to the rep with your comments."))
    return redirect("contracts:review_queue")


@login_required
def review_queue(request):
    if not rules.is_reviewer(request.user):
        raise PermissionDenied
    return render(
        request,
        "contracts/review_queue.html",
        {"contracts": list(selectors.review_queue(request.user)[:200])},
    )
