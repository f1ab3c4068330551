"""Pages for proposals (list, editor, print, Word download), objections on a deal, the
objection library and the Word template sales ops upload. Forms parse; services decide."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesop.core.docx import DocumentFailed
from salesop.core.errors import DomainError
from salesop.core.forms import styled
from salesop.core.params import parse_id
from salesop.deals import objections
from salesop.deals.models import ObjectionCategory, ProposalAudience
from salesop.deals.proposals import services as proposals
from salesop.deals.proposals.forms import (
    BENEFIT_LINES,
    ObjectionForm,
    PresentForm,
    ProposalForm,
    ResolveForm,
    RoiForm,
    TemplateUploadForm,
    ValueRowForm,
)
from salesop.deals.proposals.roi import REQUIRED_PLACEHOLDERS, suggested_audience
from salesop.deals.proposals.selectors import (
    anticipated_objections,
    library_answer_for,
    objection_for,
    objection_library,
    objections_of,
    proposal_for,
    proposal_page,
    proposals_of,
    templates_uploaded,
)
from salesop.deals.selectors import deal_for

_PATH = re.compile(r"^(?:roi\.|rows\[\d+\]\.)?(?P<name>\w+)(?:\[(?P<i>\d+)\]\.(?P<sub>\w+))?$")
_FIELD_NAMES = {"need_id": "need", "entry_id": "entry"}


def _place(form, error: DomainError) -> None:
    """Shows a service's refusal on the page form: `roi.investment` on `investment`,
    `roi.benefits[1].amount` on the second filled benefit line's amount, `rows[0].pain` on
    `pain`."""
    placed = False
    slots = form.filled_slots() if isinstance(form, RoiForm) else []
    for path, message in error.fields.items():
        match = _PATH.match(path)
        name = ""
        if match:
            name = _FIELD_NAMES.get(match["name"], match["name"])
            if match["sub"] and int(match["i"]) < len(slots):
                name = f"benefit_{match['sub']}_{slots[int(match['i'])]}"
        if name in form.fields:
            form.add_error(name, message)
            placed = True
        else:
            form.add_error(None, message)
    if not placed:
        form.add_error(None, error.message)


def _row_form(needs, data=None):
    return styled(ValueRowForm(data, needs=needs))


def _objection_form(anticipated, data=None):
    entries = [entry for group in anticipated for entry in group.entries]
    return styled(ObjectionForm(data, entries=entries))


def _roi_form(proposal, data=None):
    initial = {
        "investment": proposal.roi_investment,
        "currency": proposal.currency,
        "horizon_years": proposal.roi_horizon_years,
    }
    for i, line in enumerate(proposal.roi_benefits[:BENEFIT_LINES]):
        initial[f"benefit_label_{i}"] = line.get("label", "")
        initial[f"benefit_amount_{i}"] = line.get("amount")
    return styled(RoiForm(data, initial=initial))


def _editor(request, proposal, status=200, **forms):
    page = proposal_page(proposal)
    context = {
        "deal": proposal.deal,
        "proposal": proposal,
        "page": page,
        "audiences": ProposalAudience.choices,
        "proposal_form": forms.get("proposal_form")
        or styled(ProposalForm(initial={"title": proposal.title, "audience": proposal.audience})),
        "row_form": forms.get("row_form") or _row_form(page.needs),
        "roi_form": forms.get("roi_form") or _roi_form(proposal),
        "present_form": forms.get("present_form")
        or styled(PresentForm(initial={"duration_minutes": 60, "outcome": "positive"})),
        "objection_form": forms.get("objection_form") or _objection_form(page.anticipated),
        "resolve_form": styled(ResolveForm()),
    }
    return render(request, "deals/proposals/detail.html", context, status=status)


@login_required
def proposal_list(request, deal_id: int):
    deal = deal_for(request.user, deal_id)
    roles = set(deal.stakeholders.values_list("role", flat=True))
    anticipated = anticipated_objections(deal)
    return render(
        request,
        "deals/proposals/list.html",
        {
            "deal": deal,
            "proposals": proposals_of(deal),
            "form": styled(ProposalForm(initial={"audience": suggested_audience(roles)})),
            "anticipated": anticipated,
            "objections": objections_of(deal),
            "objection_form": _objection_form(anticipated),
            "resolve_form": styled(ResolveForm()),
        },
    )


@login_required
@require_POST
def proposal_create(request, deal_id: int):
    deal = deal_for(request.user, deal_id)
    form = ProposalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the audience from the list."))
        return redirect("deals:proposals", deal.pk)
    try:
        proposal = proposals.proposal_create(deal=deal, by=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("deals:proposals", deal.pk)
    messages.success(request, _("Proposal v%(n)d started.") % {"n": proposal.number})
    return redirect(proposal.get_absolute_url())


@login_required
def proposal_detail(request, deal_id: int, proposal_id: int):
    return _editor(request, proposal_for(request.user, deal_id, proposal_id))


def _after(request, proposal, action, success: str, form_name: str, form):
    try:
        action()
    except DomainError as exc:
        _place(form, exc)
        return _editor(request, proposal, status=422, **{form_name: form})
    messages.success(request, success)
    return redirect(proposal.get_absolute_url())


@login_required
@require_POST
def proposal_update(request, deal_id: int, proposal_id: int):
    proposal = proposal_for(request.user, deal_id, proposal_id)
    form = styled(ProposalForm(request.POST))
    if not form.is_valid():
        return _editor(request, proposal, status=422, proposal_form=form)
    data = form.cleaned_data
    return _after(
        request,
        proposal,
        lambda: proposals.proposal_update(
            proposal=proposal, by=request.user, title=data["title"], audience=data["audience"]
        ),
        _("Saved."),
        "proposal_form",
        form,
    )


@login_required
@require_POST
def proposal_row_add(request, deal_id: int, proposal_id: int):
    proposal = proposal_for(request.user, deal_id, proposal_id)
    form = _row_form(proposal.deal.needs.all(), request.POST)
    if not form.is_valid():
        return _editor(request, proposal, status=422, row_form=form)
    data = form.cleaned_data
    row = proposals.RowInput(
        pain=data["pain"],
        solution=data["solution"],
        value=data["value"],
        amount=data["amount"],
        unit=data["unit"],
        need_id=data["need"],
    )
    return _after(
        request,
        proposal,
        lambda: proposals.value_rows_add(proposal=proposal, by=request.user, rows=[row]),
        _("Value row added."),
        "row_form",
        form,
    )


@login_required
@require_POST
def proposal_row_delete(request, deal_id: int, proposal_id: int, row_id: int):
    proposal = proposal_for(request.user, deal_id, proposal_id)
    row = proposal.rows.filter(pk=row_id).first()
    if row is None:
        raise Http404
    row.proposal = proposal
    try:
        proposals.value_row_delete(row=row, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Value row removed."))
    return redirect(proposal.get_absolute_url())


@login_required
@require_POST
def proposal_roi(request, deal_id: int, proposal_id: int):
    proposal = proposal_for(request.user, deal_id, proposal_id)
    form = _roi_form(proposal, request.POST)
    if not form.is_valid():
        return _editor(request, proposal, status=422, roi_form=form)
    data = form.cleaned_data
    return _after(
        request,
        proposal,
        lambda: proposals.proposal_roi_set(
            proposal=proposal,
            by=request.user,
            investment=data["investment"],
            benefits=form.benefits(),
            horizon_years=data["horizon_years"],
            currency=data["currency"],
        ),
        _("ROI saved."),
        "roi_form",
        form,
    )


@login_required
@require_POST
def proposal_present(request, deal_id: int, proposal_id: int):
    proposal = proposal_for(request.user, deal_id, proposal_id)
    form = styled(PresentForm(request.POST))
    if not form.is_valid():
        return _editor(request, proposal, status=422, present_form=form)
    return _after(
        request,
        proposal,
        lambda: proposals.proposal_present(proposal=proposal, by=request.user, **form.cleaned_data),
        _("Presentation logged; v%(n)d is delivered.") % {"n": proposal.number},
        "present_form",
        form,
    )


@login_required
@require_POST
def proposal_new_version(request, deal_id: int, proposal_id: int):
    source = proposal_for(request.user, deal_id, proposal_id)
    try:
        proposal = proposals.proposal_create(deal=source.deal, by=request.user, source=source)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(source.get_absolute_url())
    messages.success(request, _("Version %(n)d started from a copy.") % {"n": proposal.number})
    return redirect(proposal.get_absolute_url())


def _audience(request, proposal) -> str:
    audience = request.GET.get("audience", "")
    return audience if audience in ProposalAudience.values else proposal.audience


@login_required
def proposal_print(request, deal_id: int, proposal_id: int):
    proposal = proposal_for(request.user, deal_id, proposal_id)
    audience = _audience(request, proposal)
    return render(
        request,
        "deals/proposals/print.html",
        {
            "proposal": proposal,
            "deal": proposal.deal,
            "audience": audience,
            "context": proposals.docx_context(proposal, audience),
            "figures": proposals.figures_of(proposal),
        },
    )


@login_required
def proposal_docx(request, deal_id: int, proposal_id: int):
    proposal = proposal_for(request.user, deal_id, proposal_id)
    try:
        content = proposals.proposal_docx(proposal=proposal, audience=_audience(request, proposal))
    except DocumentFailed as exc:
        messages.error(request, exc.message)
        return redirect(proposal.get_absolute_url())
    response = HttpResponse(content, content_type=proposals.DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{proposals.docx_filename(proposal)}"'
    return response


def _back(request, deal):
    """Back to the proposal the form was on, if it is one of this deal's, else the list."""
    proposal_id = parse_id(request.POST.get("proposal"))
    if proposal_id is not None and deal.proposals.filter(pk=proposal_id).exists():
        return redirect("deals:proposal", deal.pk, proposal_id)
    return redirect("deals:proposals", deal.pk)


@login_required
@require_POST
def objection_add(request, deal_id: int):
    deal = deal_for(request.user, deal_id)
    form = _objection_form(anticipated_objections(deal), request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("Not saved: please correct the fields marked.")
            + " "
            + " ".join(f"{form.fields[n].label}: {' '.join(e)}" for n, e in form.errors.items()),
        )
        return _back(request, deal)
    data = form.cleaned_data
    entry = library_answer_for(deal, data["entry"])
    try:
        objections.objection_raise(
            deal=deal,
            by=request.user,
            entry=entry,
            category=data["category"],
            customer_words=data["customer_words"],
            answer_used=data["answer_used"],
            resolved=data["resolved"],
        )
    except DomainError as exc:
        messages.error(request, " ".join([exc.message, *exc.fields.values()]))
    else:
        messages.success(request, _("Objection recorded."))
    return _back(request, deal)


@login_required
@require_POST
def objection_resolve(request, deal_id: int, objection_id: int):
    objection = objection_for(request.user, deal_id, objection_id)
    form = ResolveForm(request.POST)
    answer = form.cleaned_data["answer_used"] if form.is_valid() else ""
    try:
        objections.objection_resolve(objection=objection, by=request.user, answer_used=answer)
    except DomainError as exc:
        messages.error(request, " ".join([exc.message, *exc.fields.values()]))
    else:
        messages.success(request, _("Objection resolved."))
    return _back(request, objection.deal)


@login_required
def objection_library_page(request):
    category = request.GET.get("category", "")
    if category not in ObjectionCategory.values:
        category = ""
    return render(
        request,
        "deals/proposals/library.html",
        {
            "entries": objection_library(category=category)[:500],
            "categories": ObjectionCategory.choices,
            "category": category,
        },
    )


@login_required
def proposal_templates(request):
    """Sales ops upload the Word template proposals are exported with."""
    if not request.user.can_administer:
        raise Http404
    form = styled(TemplateUploadForm(request.POST or None, request.FILES or None))
    status = 200
    if request.method == "POST":
        if request.POST.get("reset"):
            proposals.proposal_template_reset(by=request.user)
            messages.success(request, _("Back to the template salesop ships."))
            return redirect("deals:proposal_templates")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                template = proposals.proposal_template_upload(
                    by=request.user,
                    name=upload.name,
                    content=upload.read(proposals.MAX_TEMPLATE_BYTES + 1),
                )
            except DomainError as exc:
                form.add_error("file", exc.message)
                status = 422
            else:
                messages.success(
                    request, _("Template v%(n)d is now used for export.") % {"n": template.number}
                )
                return redirect("deals:proposal_templates")
        else:
            status = 422
    return render(
        request,
        "deals/proposals/templates.html",
        {
            "form": form,
            "templates": templates_uploaded(),
            "required": REQUIRED_PLACEHOLDERS,
        },
        status=status,
    )


@login_required
def proposal_template_download(request):
    """The template in use (or the shipped one): where sales ops start their own."""
    response = HttpResponse(proposals.template_bytes(), content_type=proposals.DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="proposal-template.docx"'
    return response
