from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesop.core.errors import DomainError
from salesop.core.forms import styled
from salesop.deals.selectors import deal_for
from salesop.pricing import selectors, services
from salesop.pricing.forms import QuoteForm
from salesop.pricing.models import ApprovalStatus


def _done(request, action, success: str) -> None:
    try:
        action()
    except DomainError as exc:
        messages.error(request, " ".join([exc.message, *exc.fields.values()]))
    else:
        messages.success(request, success)


@login_required
@require_POST
def quote_add(request, deal_id: int):
    deal = deal_for(request.user, deal_id)
    form = QuoteForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("Not saved: please correct the fields marked.")
            + " "
            + " ".join(f"{form.fields[n].label}: {' '.join(e)}" for n, e in form.errors.items()),
        )
        return redirect("deals:detail", deal.pk)
    data = form.cleaned_data
    line = {k: data[k] for k in ("description", "list_price", "quantity", "discount_pct")}
    _done(
        request,
        lambda: services.quote_submit(
            quote=services.quote_create(
                deal=deal,
                by=request.user,
                lines=[line],
                payment_term_days=data["payment_term_days"],
                currency=data["currency"],
            ),
            by=request.user,
        ),
        _("Quote submitted."),
    )
    return redirect("deals:detail", deal.pk)


@login_required
def approval_queue(request):
    approvals = selectors.approvals_for(request.user).filter(status=ApprovalStatus.PENDING)
    return render(request, "pricing/approvals.html", {"approvals": approvals[:200]})


@login_required
@require_POST
def approval_decide(request, approval_id: int):
    approval = get_object_or_404(selectors.approvals_for(request.user), pk=approval_id)
    approve = request.POST.get("decision") == "approve"
    _done(
        request,
        lambda: services.approval_decide(
            approval=approval,
            by=request.user,
            approve=approve,
            comment=request.POST.get("comment", "")[:500],
        ),
        _("Approved.") if approve else _("Rejected."),
    )
    return redirect("pricing:approvals")


def quotes_context(deal) -> dict:
    return {"quotes": selectors.quotes_of(deal)[:20], "quote_form": styled(QuoteForm())}
