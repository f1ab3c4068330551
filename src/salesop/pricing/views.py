import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from salesop.accounts.models import Role
from salesop.core.errors import DomainError
from salesop.core.forms import styled
from salesop.core.params import parse_id
from salesop.deals.selectors import deal_for, playbook_of, sees_deal
from salesop.pricing import selectors, services
from salesop.pricing.forms import (
    LineFormSet,
    MoreLines,
    QuoteForm,
    QuoteTermsForm,
    choices,
    styled_formset,
)
from salesop.pricing.models import Quote


def _done(request, action, success: str) -> None:
    try:
        action()
    except DomainError as exc:
        messages.error(request, " ".join(dict.fromkeys([exc.message, *exc.fields.values()])))
    else:
        messages.success(request, success)


def _invalid(request, *forms) -> None:
    problems = []
    for form in forms:
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            problems.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    messages.error(
        request, _("Not saved: please correct the fields marked.") + " " + " ".join(problems)
    )


@login_required
@require_http_methods(["GET", "POST"])
def quote_add(request, deal_id: int):
    """GET: the new quote form, loaded when the rep opens it on a deal that has quotes; POST:
    submits the quote."""
    deal = deal_for(request.user, deal_id)
    if request.method == "GET":
        context = {"deal": deal, **selectors.new_quote_forms()}
        template = (
            "pricing/_partials/new_quote_form.html" if request.htmx else "pricing/new_quote.html"
        )
        return render(request, template, context)
    options = choices()
    form = QuoteForm(request.POST, choices=options)
    more = MoreLines(request.POST, prefix="more", form_kwargs={"choices": options})
    has_more = "more-TOTAL_FORMS" in request.POST
    if not form.is_valid() or (has_more and not more.is_valid()):
        _invalid(request, form, *(more.forms if has_more else []))
        return redirect("deals:detail", deal.pk)
    data = form.cleaned_data
    lines = [form.line()]
    if has_more:
        lines += [f.line() for f in more.forms if f.has_changed() and not f.is_blank()]
    _done(
        request,
        lambda: services.quote_propose(
            deal=deal,
            by=request.user,
            lines=lines,
            payment_term_days=data["payment_term_days"],
            currency=data["currency"],
            concessions=data.get("concessions") or [],
        ),
        _("Quote submitted."),
    )
    return redirect("deals:detail", deal.pk)


@login_required
@require_http_methods(["GET", "POST"])
def quote_revise(request, quote_id: int):
    """GET: the revise form, loaded when the rep opens it (the deal page would otherwise build
    a form set for every quote); POST: submits the new revision."""
    quote = selectors.quote_for(request.user, quote_id)
    options = choices()
    if request.method == "GET":
        terms, lines = _revise_forms(quote, options)
        context = {"q": quote, "revise_terms": terms, "revise_lines": lines}
        template = "pricing/_partials/revise_form.html" if request.htmx else "pricing/revise.html"
        return render(request, template, context)
    prefix = f"rev{quote.pk}"
    terms = QuoteTermsForm(request.POST, prefix=prefix, choices=options)
    lines = LineFormSet(request.POST, prefix=f"{prefix}-lines", form_kwargs={"choices": options})
    if not terms.is_valid() or not lines.is_valid():
        _invalid(request, terms, *lines.forms)
        return redirect("deals:detail", quote.deal_id)
    _done(
        request,
        lambda: services.quote_revise(
            quote=quote,
            by=request.user,
            lines=[f.line() for f in lines.forms if not f.cleaned_data.get("DELETE")],
            payment_term_days=terms.cleaned_data["payment_term_days"],
            concessions=terms.cleaned_data.get("concessions") or [],
        ),
        _("New revision submitted; the previous one's approvals are void."),
    )
    return redirect("deals:detail", quote.deal_id)


@login_required
@require_POST
def quote_send(request, quote_id: int):
    quote = selectors.quote_for(request.user, quote_id)
    _done(
        request,
        lambda: services.quote_send(quote=quote, by=request.user),
        _("Quote marked as sent."),
    )
    return redirect("deals:detail", quote.deal_id)


@login_required
def approval_queue(request):
    approvals = selectors.approval_queue(request.user)
    return render(
        request,
        "pricing/approvals.html",
        {"approvals": approvals, "role_labels": dict(Role.choices)},
    )


@login_required
def quote_approvals(request, quote_id: int):
    """What an approver decides on, read-only: the deal behind the quote, its lines and terms,
    and each approval with why it was asked."""
    quote = selectors.quote_for_approver(request.user, quote_id)
    language = translation.get_language()
    return render(
        request,
        "pricing/quote_approvals.html",
        {
            "quote": quote,
            "deal": quote.deal,
            "stage_label": playbook_of(quote.deal).stage_label(quote.deal.stage, language),
            "approvals": selectors.approvals_of(request.user, quote),
            "role_labels": dict(Role.choices),
            "deal_visible": sees_deal(request.user, quote.deal),
        },
    )


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
    if request.POST.get("back") == "quote":
        return redirect("pricing:quote_approvals", approval.quote_id)
    return redirect("pricing:approvals")


def _revise_forms(quote: Quote, options: dict):
    prefix = f"rev{quote.pk}"
    terms = QuoteTermsForm(
        prefix=prefix,
        choices=options,
        initial={
            "payment_term_days": quote.payment_term_days,
            "concessions": [c["key"] for c in quote.concessions],
        },
    )
    lines = LineFormSet(
        prefix=f"{prefix}-lines",
        form_kwargs={"choices": options},
        initial=[
            {
                "product": line.product_id,
                "description": line.description,
                "list_price": None if line.product_id else line.list_price,
                "quantity": line.quantity,
                "discount_pct": line.discount_pct,
            }
            for line in quote.lines.all()
        ],
    )
    return styled(terms), styled_formset(lines)


_FIELD = re.compile(r"^[\w-]{1,80}$")


@login_required
def product_price(request):
    """The list price input of a quote line, filled with the picked product's price (htmx)."""
    field = request.GET.get("field", "")
    if not _FIELD.match(field):
        return HttpResponseBadRequest()
    picked = next((v for k, v in request.GET.items() if k.endswith("product")), "")
    product_id = parse_id(picked)
    product = selectors.products_on_sale().filter(pk=product_id).first() if product_id else None
    return render(
        request,
        "pricing/_partials/list_price.html",
        {"field": field, "price": product.list_price if product else ""},
    )
