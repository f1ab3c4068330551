"""Contract pages: making one from a deal, the contract with its clauses marked against the
standard text, rewording, signing, its files and the archive, the list. Legal review's pages
are in review_views, templates' in template_views."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesop.contracts import documents, files, legal_review, rules, selectors, services, signing
from salesop.contracts.models import (
    OPEN_STATUSES,
    ClauseVerdict,
    ContractStatus,
    Risk,
    SigningIncentive,
)
from salesop.core.docx import DocumentFailed
from salesop.core.errors import DomainError
from salesop.core.forms import act_then_redirect, flash_refusal
from salesop.core.params import parse_int
from salesop.core.time import company_today
from salesop.deals.selectors import deal_for, playbook_of, sees_deal

STEPS = [
    ContractStatus.DRAFT,
    ContractStatus.IN_REVIEW,
    ContractStatus.APPROVED,
    ContractStatus.SENT,
    ContractStatus.SIGNED,
    ContractStatus.ARCHIVED,
]


def back(contract, anchor: str = ""):
    return redirect(reverse("contracts:detail", args=[contract.pk]) + anchor)


def _act(request, contract, action, success: str, anchor: str = ""):
    to = reverse("contracts:detail", args=[contract.pk]) + anchor
    return act_then_redirect(request, action, success, to)


@login_required
@require_POST
def contract_add(request, deal_id: int):
    deal = deal_for(request.user, deal_id)
    quote, template = selectors.contract_sources(
        deal, request.POST.get("quote") or 0, request.POST.get("template") or 0
    )
    try:
        target = _date(request.POST.get("target_signing_date"))
        contract = services.contract_create(
            deal=deal, quote=quote, template=template, by=request.user, target_signing_date=target
        )
    except DomainError as exc:
        flash_refusal(request, exc)
        return redirect(reverse("deals:detail", args=[deal.pk]) + "#contracts")
    messages.success(request, _("Contract %(number)s made.") % {"number": contract.number})
    return back(contract)


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        message = _("Enter a date as YYYY-MM-DD.")
        raise DomainError("invalid", message, {"target_signing_date": message}) from None


# --- the contract page ----------------------------------------------------------------------


def page_context(
    request, contract, *, edit_errors=None, edit_values=None, review_errors=None, review_values=None
):
    """What the contract page shows; a refused edit or decision comes back with its errors
    and what was posted."""
    user = request.user
    deal = contract.deal
    clauses = list(contract.clauses.all())
    for clause in clauses:
        if clause.deviates:
            clause.left, clause.right = rules.side_by_side(clause.standard_text, clause.text)
        clause.contradiction = rules.payment_term_contradiction(
            clause.key, clause.text, contract.payment_term_days
        )
        clause.edit_value = (edit_values or {}).get(clause.key, clause.text)
        clause.edit_error = (edit_errors or {}).get(f"clauses.{clause.key}", "")
    reviews = list(contract.reviews.all())
    open_review = next((r for r in reviews if r.decided_at is None), None)
    last_decisions = {}
    for review in reviews:
        for decision in review.decisions.all():
            last_decisions[decision.clause_id] = decision
    posted, errors = review_values or {}, review_errors or {}
    for clause in clauses:
        clause.decision = last_decisions.get(clause.pk)
        clause.review = {
            field: posted.get(f"{field}-{clause.key}", "")
            for field in ("verdict", "comment", "proposed")
        }
        clause.review_errors = {
            field: errors.get(f"{field}-{clause.key}", "")
            for field in ("verdict", "comment", "proposed_text")
        }
    may_edit = rules.may_edit(user, contract)
    may_review = rules.may_review(user, contract) and contract.status == ContractStatus.IN_REVIEW
    spec = playbook_of(deal).contracts
    language = get_language() or "zh-hans"
    missing = signing.missing_documents(contract)
    overdue = signing.signing_late(contract)
    # Fetched once: the page lists them and the offerable choices leave out those offered.
    prefetch_related_objects(
        [contract], Prefetch("incentives", SigningIncentive.objects.select_related("approval"))
    )
    incentives = list(contract.incentives.all())
    context = {
        "contract": contract,
        "deal": deal,
        "deal_visible": sees_deal(user, deal),
        "clauses": clauses,
        "reviews": reviews,
        "open_review": open_review,
        "may_edit": may_edit,
        "may_review": may_review,
        "steps": [
            {
                "key": s,
                "label": ContractStatus(s).label,
                "done": STEPS.index(s) < _step_index(contract.status),
                "current": s == contract.status
                or (s == ContractStatus.DRAFT and contract.status == ContractStatus.RETURNED),
            }
            for s in STEPS
        ],
        "review_reasons": legal_review.review_reasons(contract) if contract.editable else [],
        "signing_documents": [
            {
                "key": d.key,
                "label": d.label.get(language),
                "ready": d.key in contract.documents_ready,
            }
            for d in spec.documents
        ],
        "missing_documents": missing,
        "files": list(contract.documents.defer("content").select_related("created_by")),
        "pdf_available": documents.pdf_available(),
        "overdue": overdue,
        "incentives": incentives,
        "allowed_incentives": selectors.incentives_offerable(user, contract),
        "value_rows": _value_rows(deal) if overdue else None,
        "verdicts": ClauseVerdict.choices,
        "review_errors": review_errors or {},
        "review_values": review_values or {},
        "today": company_today(),
        "contract_open": contract.status in OPEN_STATUSES,
        "audit_of": contract,
        "risk_special": Risk.SPECIAL,
    }
    return context


def _step_index(status: str) -> int:
    if status in (ContractStatus.RETURNED, ContractStatus.CANCELLED):
        return 0
    return STEPS.index(status)


def _value_rows(deal):
    """The latest proposal's value rows, to restate the value when signing is late."""
    proposal = deal.proposals.order_by("-number").first()
    if proposal is None:
        return {"proposal": None, "rows": []}
    return {"proposal": proposal, "rows": list(proposal.rows.all())}


@login_required
def contract_detail(request, contract_id: int):
    contract = selectors.contract_for(request.user, contract_id)
    return render(request, "contracts/detail.html", page_context(request, contract))


@login_required
@require_POST
def clauses_edit(request, contract_id: int):
    contract = selectors.contract_for(request.user, contract_id)
    texts = {
        key[len("clause-") :]: value
        for key, value in request.POST.items()
        if key.startswith("clause-")
    }
    original = {c.key: c.text for c in contract.clauses.all()}
    changed = {k: v for k, v in texts.items() if v.strip() != original.get(k)}
    if not changed:
        messages.info(request, _("Nothing changed."))
        return back(contract, "#clauses")
    try:
        services.clauses_edit(
            contract=contract,
            by=request.user,
            texts=changed,
            expected_version=posted_version(request),
        )
    except DomainError as exc:
        flash_refusal(request, exc)
        context = page_context(request, contract, edit_errors=exc.fields, edit_values=texts)
        return render(request, "contracts/detail.html", context, status=422)
    messages.success(request, _("Clauses saved and compared with the standard text."))
    return back(contract, "#clauses")


def posted_version(request) -> int | None:
    return parse_int(request.POST.get("expected_version"))


@login_required
@require_POST
def contract_schedule(request, contract_id: int):
    contract = selectors.contract_for(request.user, contract_id)
    return _act(
        request,
        contract,
        lambda: signing.contract_schedule(
            contract=contract,
            by=request.user,
            target_signing_date=_date(request.POST.get("target_signing_date")),
        ),
        _("Signing date saved."),
        "#signing",
    )


@login_required
@require_POST
def document_tick(request, contract_id: int):
    contract = selectors.contract_for(request.user, contract_id)
    return _act(
        request,
        contract,
        lambda: signing.document_tick(
            contract=contract,
            by=request.user,
            key=request.POST.get("key", ""),
            ready=request.POST.get("ready") == "1",
        ),
        _("Saved."),
        "#signing",
    )


@login_required
@require_POST
def contract_send(request, contract_id: int):
    contract = selectors.contract_for(request.user, contract_id)
    return _act(
        request,
        contract,
        lambda: signing.contract_send(contract=contract, by=request.user),
        _("Sent for signature."),
        "#signing",
    )


@login_required
@require_POST
def contract_sign(request, contract_id: int):
    contract = selectors.contract_for(request.user, contract_id)
    upload = request.FILES.get("file")

    def sign():
        if upload is None:
            message = _("Upload the signed copy.")
            raise DomainError("invalid", message, {"file": message})
        if upload.size > settings.CONTRACT_UPLOAD_MAX_BYTES:
            message = files.too_large_message()
            raise DomainError("too_large", message, {"file": message})
        signing.contract_sign(
            contract=contract, by=request.user, name=upload.name, content=upload.read()
        )

    return _act(request, contract, sign, _("Signed: the deal is won."), "#signing")


@login_required
@require_POST
def contract_archive(request, contract_id: int):
    contract = selectors.contract_for(request.user, contract_id)
    return _act(
        request,
        contract,
        lambda: signing.contract_archive(contract=contract, by=request.user),
        _("Archived."),
    )


@login_required
@require_POST
def contract_cancel(request, contract_id: int):
    contract = selectors.contract_for(request.user, contract_id)
    return _act(
        request,
        contract,
        lambda: signing.contract_cancel(
            contract=contract, by=request.user, reason=request.POST.get("reason", "")
        ),
        _("Contract cancelled."),
    )


@login_required
@require_POST
def incentive_offer(request, contract_id: int):
    contract = selectors.contract_for(request.user, contract_id)
    return _act(
        request,
        contract,
        lambda: signing.incentive_offer(
            contract=contract,
            by=request.user,
            key=request.POST.get("key", ""),
            note=request.POST.get("note", ""),
        ),
        _("Incentive recorded."),
        "#follow-up",
    )


@login_required
def contract_docx(request, contract_id: int):
    contract = selectors.contract_for(request.user, contract_id)
    try:
        content = files.contract_docx(contract)
    except DocumentFailed as exc:
        messages.error(request, exc.message)
        return back(contract, "#files")
    response = HttpResponse(content, content_type=documents.DOCX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{contract.number}.docx")
    return response


@login_required
def contract_pdf(request, contract_id: int):
    contract = selectors.contract_for(request.user, contract_id)
    try:
        pdf = documents.to_pdf(files.contract_docx(contract))
    except DocumentFailed as exc:
        messages.error(request, exc.message)
        return back(contract, "#files")
    if pdf is None:
        messages.error(request, _("PDF needs LibreOffice on the server; download the Word file."))
        return back(contract, "#files")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"{contract.number}.pdf")
    return response


@login_required
def contract_file(request, contract_id: int, file_id: int):
    contract = selectors.contract_for(request.user, contract_id)
    stored = selectors.contract_file(contract, file_id)
    response = HttpResponse(bytes(stored.content), content_type=stored.content_type)
    response["Content-Disposition"] = content_disposition_header(True, stored.name)
    return response


@login_required
@require_POST
def contract_verify(request, contract_id: int):
    contract = selectors.contract_for(request.user, contract_id)
    upload = request.FILES.get("file")
    if upload is None or upload.size > settings.CONTRACT_UPLOAD_MAX_BYTES:
        messages.error(request, _("Choose the file to check (at most the upload limit)."))
        return back(contract, "#files")
    match = files.verify_file(contract, upload.read())
    if match is None:
        messages.error(
            request,
            _("“%(name)s” matches no archived file of this contract: it is not a copy of it.")
            % {"name": upload.name},
        )
    else:
        messages.success(
            request,
            _("“%(name)s” is byte for byte the archived %(kind)s of %(date)s.")
            % {
                "name": upload.name,
                "kind": match.get_kind_display(),
                "date": timezone.localtime(match.created_at).strftime("%Y-%m-%d %H:%M"),
            },
        )
    return back(contract, "#files")


# --- lists ----------------------------------------------------------------------------------


@login_required
def contract_list(request):
    status = request.GET.get("status", "")
    contracts = selectors.contracts_visible_to(request.user)
    if status in ContractStatus.values:
        contracts = contracts.filter(status=status)
    return render(
        request,
        "contracts/list.html",
        {
            "contracts": list(contracts.order_by("-created_at", "-id")[:200]),
            "statuses": ContractStatus.choices,
            "status": status,
            "may_manage_templates": rules.may_manage_templates(request.user),
            "is_legal": rules.is_reviewer(request.user),
        },
    )
