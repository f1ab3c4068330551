"""Every write to a contract: templates and their versions, generating a contract from an
approved quote, editing clauses, legal review, the signing documents and date, sending,
signing (which wins the deal through its gate and leaves the hand-over for delivery),
incentives for a late signature, archiving and cancelling. Status moves are conditional
UPDATEs on the contract's version, so two people acting at once cannot both win."""

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salesop.accounts.models import Role, User
from salesop.aftersales.projects import project_from_handover
from salesop.contracts import documents
from salesop.contracts.models import (
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    ClauseDecision,
    ClauseVerdict,
    Contract,
    ContractClause,
    ContractDocument,
    ContractStatus,
    ContractTemplate,
    DocumentKind,
    Handover,
    LegalReview,
    ReviewOutcome,
    Risk,
    SigningIncentive,
    TemplateClause,
)
from salesop.contracts.rules import (
    deviates,
    may_edit,
    may_manage_templates,
    may_review,
    review_reason,
    signing_documents_missing,
)
from salesop.contracts.selectors import allowed_incentives
from salesop.core.audit import audit_actor, guarded_update
from salesop.core.docx import DocumentFailed
from salesop.core.errors import DomainError, StaleWrite
from salesop.core.time import company_today
from salesop.deals.models import Deal, Stakeholder
from salesop.deals.rules import close_due_at
from salesop.deals.selectors import playbook_of
from salesop.deals.services import deal_move
from salesop.pricing.models import (
    Approval,
    ApprovalBasis,
    ApprovalSubject,
    Quote,
    QuoteStatus,
)
from salesop.pricing.selectors import current_quote

MAX_CLAUSES = 60


def _stale() -> StaleWrite:
    return StaleWrite("stale", _("Someone else changed this contract. Reload it and try again."))


def _move(contract: Contract, from_statuses, by: User, **changes) -> None:
    """Moves the contract on if it is still in one of `from_statuses` at the version read."""
    with audit_actor(by):
        if not guarded_update(
            contract,
            {"version": contract.version, "status__in": list(from_statuses)},
            version=F("version") + 1,
            **changes,
        ):
            raise _stale()


def _lock(contract: Contract, expected_version: int | None = None) -> None:
    """Holds the contract's row to the end of the transaction (PostgreSQL; SQLite's IMMEDIATE
    transactions already run one writer at a time), refusing if it changed since the caller
    read it: two reviewers, or a rep and a reviewer, acting at once cannot both win."""
    current = (
        Contract.objects.select_for_update()
        .filter(pk=contract.pk)
        .values_list("version", flat=True)
        .first()
    )
    if current != (expected_version if expected_version is not None else contract.version):
        raise _stale()


def too_large_message() -> str:
    return _("The file is larger than %(mb)d MB.") % {
        "mb": settings.CONTRACT_UPLOAD_MAX_BYTES // (1024 * 1024)
    }


def _require_edit(user: User, contract: Contract) -> None:
    if not may_edit(user, contract):
        raise DomainError("forbidden", _("Only the deal's owner or their manager may do this."))


# --- templates ------------------------------------------------------------------------------


def _clean_clauses(clauses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not clauses:
        raise DomainError(
            "invalid", _("A template needs at least one clause."), {"clauses": _("Add a clause.")}
        )
    if len(clauses) > MAX_CLAUSES:
        message = _("A template has at most %(n)d clauses.") % {"n": MAX_CLAUSES}
        raise DomainError("invalid", message, {"clauses": message})
    errors: dict[str, str] = {}
    seen: set[str] = set()
    cleaned = []
    for i, clause in enumerate(clauses):
        key = str(clause.get("key") or "").strip()
        title = str(clause.get("title") or "").strip()
        text = str(clause.get("text") or "").strip()
        risk = clause.get("risk") or Risk.STANDARD
        at = f"clauses.{i}"
        if not key or not key.replace("_", "").replace("-", "").isalnum() or not key.isascii():
            errors[f"{at}.key"] = _("Use letters, digits, - and _ only.")
        elif len(key) > 32:
            errors[f"{at}.key"] = _("At most %(n)d characters.") % {"n": 32}
        elif key in seen:
            errors[f"{at}.key"] = _("Another clause has the key %(key)s.") % {"key": key}
        seen.add(key)
        if not title:
            errors[f"{at}.title"] = _("Give the clause a title.")
        elif len(title) > 100:
            errors[f"{at}.title"] = _("At most %(n)d characters.") % {"n": 100}
        if not text:
            errors[f"{at}.text"] = _("Give the clause's standard text.")
        elif len(text) > 10000:
            errors[f"{at}.text"] = _("At most %(n)d characters.") % {"n": 10000}
        if risk not in Risk.values:
            errors[f"{at}.risk"] = _("Choose standard or special risk.")
        cleaned.append({"key": key, "title": title, "text": text, "risk": risk})
    if errors:
        raise DomainError("invalid", _("Please correct the clauses marked."), errors)
    return cleaned


def template_save(
    *,
    by: User,
    code: str,
    name: str,
    clauses: list[dict[str, Any]],
    docx: bytes | None = None,
    docx_name: str = "",
    keep_docx: bool = True,
    note: str = "",
) -> ContractTemplate:
    """Saves a template as a new version of `code` (version 1 if new); the previous version
    stays for the contracts made from it. Without a new Word file the previous version's file
    is kept (`keep_docx`); a Word file is refused, with the names, if its placeholders do not
    match what a contract can fill."""
    if not may_manage_templates(by):
        raise DomainError("forbidden", _("Only legal or sales operations change templates."))
    code = (code or "").strip()
    name = (name or "").strip()
    errors = {}
    if not code or not code.replace("-", "").replace("_", "").isalnum() or not code.isascii():
        errors["code"] = _("Use letters, digits, - and _ only.")
    elif len(code) > 40:
        errors["code"] = _("At most %(n)d characters.") % {"n": 40}
    if not name:
        errors["name"] = _("Give the template a name.")
    elif len(name) > 200:
        errors["name"] = _("At most %(n)d characters.") % {"n": 200}
    if errors:
        raise DomainError("invalid", _("Please correct the fields marked."), errors)
    cleaned = _clean_clauses(clauses)
    if docx is not None:
        if len(docx) > settings.CONTRACT_UPLOAD_MAX_BYTES:
            message = too_large_message()
            raise DomainError("too_large", message, {"docx": message})
        # renders for up to DOCUMENT_RENDER_SECONDS: before the transaction, or SQLite's
        # single writer (and the previous version's row lock) would wait for it
        if problem := documents.template_problems(docx):
            raise DomainError("invalid_template", problem, {"docx": problem})
    with transaction.atomic():
        previous = (
            ContractTemplate.objects.select_for_update().filter(code=code, current=True).first()
        )
        if docx is None and keep_docx and previous is not None and previous.docx:
            docx, docx_name = bytes(previous.docx), previous.docx_name
        number = (
            ContractTemplate.objects.filter(code=code).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        with audit_actor(by):
            if previous is not None:
                guarded_update(previous, {"current": True}, current=False)
            template = ContractTemplate.objects.create(
                code=code,
                number=number,
                name=name,
                docx=docx,
                docx_name=(docx_name or "")[:200] if docx else "",
                note=(note or "")[:300],
                created_by=by,
            )
            TemplateClause.objects.bulk_create(
                TemplateClause(template=template, position=i, **clause)
                for i, clause in enumerate(cleaned)
            )
    return template


# --- contracts ------------------------------------------------------------------------------


def _number(contract: Contract) -> str:
    return f"HT{company_today():%Y}-{contract.pk:05d}"


def open_contract(deal: Deal) -> Contract | None:
    return deal.contracts.filter(status__in=OPEN_STATUSES).first()


def contract_create(
    *,
    deal: Deal,
    quote: Quote,
    template: ContractTemplate,
    by: User,
    target_signing_date: date | None = None,
) -> Contract:
    """A contract from the deal's current, approved quote and the current version of a
    template: parties and terms filled in from the quote, clauses in their standard wording."""
    _check_create(deal, quote, template, by, target_signing_date)
    fields = {
        "deal": deal,
        "quote": quote,
        "template": template,
        "customer": deal.account.name,
        "amount": quote.total,
        "currency": quote.currency,
        "payment_term_days": quote.payment_term_days,
        "concessions": [
            {"key": c["key"], "label_zh": c.get("label_zh", ""), "label_en": c.get("label_en", "")}
            for c in quote.concessions
        ],
        "target_signing_date": target_signing_date,
    }
    # The template must fill with this quote's data. It renders for up to
    # DOCUMENT_RENDER_SECONDS, so from the contract as it will be, before the transaction:
    # inside it, SQLite's single writer would wait for the rendering.
    clauses = list(template.clauses.all())
    draft = Contract(**fields, number=_number(Contract(pk=0)))
    try:
        documents.render(
            bytes(template.docx) if template.docx else None,
            docx_context(
                draft, [{"key": c.key, "title": c.title, "text": c.text} for c in clauses]
            ),
        )
    except DocumentFailed as exc:
        raise DomainError("template_mismatch", exc.message, {"template": exc.message}) from None
    with transaction.atomic():
        _check_create(deal, quote, template, by, target_signing_date)  # again, as the writer
        with audit_actor(by):
            contract = Contract.objects.create(
                **fields, signing_due_at=close_due_at(target_signing_date), created_by=by
            )
            contract.number = _number(contract)
            contract.save(update_fields=["number"])
            ContractClause.objects.bulk_create(
                ContractClause(
                    contract=contract,
                    key=clause.key,
                    title=clause.title,
                    standard_text=clause.text,
                    text=clause.text,
                    risk=clause.risk,
                    position=clause.position,
                )
                for clause in clauses
            )
    return contract


def _check_create(deal, quote, template, by, target_signing_date) -> None:
    _require_edit(by, Contract(deal=deal))
    if not deal.is_open:
        raise DomainError("closed", _("The deal is closed; reopen it first."))
    if quote.deal_id != deal.pk:
        raise DomainError("invalid", _("This quote belongs to another deal."), {"quote": "?"})
    if quote.status != QuoteStatus.APPROVED:
        message = _("Quote %(quote)s is not approved; only an approved quote becomes a contract.")
        message %= {"quote": quote.label}
        raise DomainError("quote_not_approved", message, {"quote": message})
    latest = current_quote(deal)
    if latest is None or latest.pk != quote.pk:
        message = _("Quote %(quote)s is outdated: use the deal's current quote %(current)s.") % {
            "quote": quote.label,
            "current": latest.label if latest else "—",
        }
        raise DomainError("quote_outdated", message, {"quote": message})
    if not template.current:
        message = _("This template version was replaced; use its current version.")
        raise DomainError("template_outdated", message, {"template": message})
    existing = open_contract(deal)
    if existing is not None:
        message = _("Contract %(number)s is still open on this deal; cancel it first.") % {
            "number": existing.number
        }
        raise DomainError("contract_open", message, {"quote": message})
    _check_date(target_signing_date)


def _check_date(target: date | None) -> None:
    if target is not None and target < company_today():
        message = _("The target signing date is in the past.")
        raise DomainError("invalid", message, {"target_signing_date": message})


def _require_editable(contract: Contract) -> None:
    if contract.status not in EDITABLE_STATUSES:
        message = _("A contract that is %(status)s cannot be edited.") % {
            "status": contract.get_status_display().lower()
        }
        raise DomainError("not_editable", message, {"status": message})


def _review_settings(contract: Contract):
    return playbook_of(contract.deal).contracts


@transaction.atomic
def clauses_edit(
    *, contract: Contract, by: User, texts: dict[str, str], expected_version: int | None = None
) -> Contract:
    """Rewords clauses (by key) and marks each against its standard text. Editing an approved
    contract withdraws its clearance: it goes back to draft."""
    _require_edit(by, contract)
    _lock(contract, expected_version)
    _require_editable(contract)
    clauses = {c.key: c for c in contract.clauses.all()}
    errors = {}
    for key, text in texts.items():
        if key not in clauses:
            errors[f"clauses.{key}"] = _("The contract has no clause %(key)s.") % {"key": key}
        elif not (text or "").strip():
            errors[f"clauses.{key}"] = _("A clause cannot be empty; keep the standard text.")
        elif len(text) > 10000:
            errors[f"clauses.{key}"] = _("At most %(n)d characters.") % {"n": 10000}
    if errors:
        raise DomainError("invalid", _("Please correct the clauses marked."), errors)
    rules = _review_settings(contract)
    with audit_actor(by):
        for key, text in texts.items():
            clause = clauses[key]
            text = text.strip()
            if text == clause.text:
                continue
            clause.text = text
            _mark(clause, rules)
            clause.save(update_fields=["text", "deviates", "needs_review"])
        if contract.status == ContractStatus.APPROVED:
            _move(
                contract,
                [ContractStatus.APPROVED],
                by,
                status=ContractStatus.DRAFT,
                cleared_at=None,
                review_skipped=False,
            )
        else:
            _move(contract, EDITABLE_STATUSES, by)
    return contract


def _mark(clause: ContractClause, rules) -> None:
    clause.deviates = deviates(clause.standard_text, clause.text)
    clause.needs_review = bool(
        review_reason(
            key=clause.key,
            risk=clause.risk,
            deviates=clause.deviates,
            review_clauses=list(rules.review_clauses),
            review_any=rules.review_any_deviation,
        )
    )


def review_reasons(contract: Contract) -> list[dict[str, str]]:
    """Why the contract must go to legal: one entry per clause that must be reviewed; empty
    when it may be cleared without review."""
    rules = _review_settings(contract)
    reasons = []
    deviating = False
    for clause in contract.clauses.all():
        deviating |= clause.deviates
        reason = review_reason(
            key=clause.key,
            risk=clause.risk,
            deviates=clause.deviates,
            review_clauses=list(rules.review_clauses),
            review_any=rules.review_any_deviation,
        )
        if reason:
            reasons.append({"key": clause.key, "reason": reason})
    if not reasons and not (rules.skip_review_without_deviation and not deviating):
        reasons.append({"key": "", "reason": "always"})
    return reasons


def contract_submit(*, contract: Contract, by: User, expected_version: int | None = None):
    """Sends the contract to legal when a clause needs it (or the playbook always wants a
    review); otherwise clears it at once."""
    _require_edit(by, contract)
    clears = contract.status in (ContractStatus.DRAFT, ContractStatus.RETURNED)
    files = _cleared_files(contract) if clears and not review_reasons(contract) else None
    return _submit(contract=contract, by=by, expected_version=expected_version, files=files)


@transaction.atomic
def _submit(*, contract: Contract, by: User, expected_version: int | None, files) -> Contract:
    _lock(contract, expected_version)
    if contract.status not in (ContractStatus.DRAFT, ContractStatus.RETURNED):
        raise DomainError("not_draft", _("Only a draft or returned contract can be submitted."))
    reasons = review_reasons(contract)
    if reasons:
        rounds = contract.reviews.aggregate(n=Max("round"))["n"] or 0
        with audit_actor(by):
            LegalReview.objects.create(
                contract=contract, round=rounds + 1, submitted_by=by, reasons=reasons
            )
        _move(
            contract,
            [ContractStatus.DRAFT, ContractStatus.RETURNED],
            by,
            status=ContractStatus.IN_REVIEW,
        )
    else:
        _clear(contract, by, [ContractStatus.DRAFT, ContractStatus.RETURNED], True, files)
    return contract


def _clear(contract: Contract, by: User, from_statuses, skipped: bool, files) -> None:
    _move(
        contract,
        from_statuses,
        by,
        status=ContractStatus.APPROVED,
        cleared_at=timezone.now(),
        review_skipped=skipped,
    )
    _archive_generated(contract, by, files)


def _cleared_files(contract: Contract, clauses: list[dict] | None = None):
    """The Word file and PDF a contract keeps when it clears, with what they were filled from.
    Rendered before the clearing's transaction (a rendering may take DOCUMENT_RENDER_SECONDS,
    LibreOffice longer; inside it, SQLite's single writer would wait), `clauses` being the
    wording it will clear with."""
    context = docx_context(contract, clauses)
    content = documents.render(_template_docx(contract), context)
    return context, content, documents.to_pdf(content)


def _archive_generated(contract: Contract, by: User, files) -> None:
    """Keeps the cleared wording as a file (and a PDF when LibreOffice is installed): the
    files rendered beforehand, unless what fills them changed meanwhile."""
    if files is None or files[0] != docx_context(contract):
        files = _cleared_files(contract)
    _, content, pdf = files
    _store(
        contract,
        by,
        DocumentKind.GENERATED,
        f"{contract.number}.docx",
        documents.DOCX_TYPE,
        content,
    )
    if pdf is not None:
        _store(contract, by, DocumentKind.PDF, f"{contract.number}.pdf", "application/pdf", pdf)


def _store(contract, by, kind, name, content_type, content: bytes) -> ContractDocument:
    with audit_actor(by):
        return ContractDocument.objects.create(
            contract=contract,
            kind=kind,
            name=name[:200],
            content_type=content_type,
            content=content,
            size=len(content),
            sha256=documents.sha256(content),
            status=contract.status,
            created_by=by,
        )


def review_decide(
    *,
    contract: Contract,
    by: User,
    approve: bool,
    decisions: list[dict[str, str]],
    comment: str = "",
    expected_version: int | None = None,
) -> LegalReview:
    """Legal's decision on the open review round: a verdict on each clause that needed review
    (accept; reject with a comment; or propose wording), then approve or return. Approving
    adopts the proposed wordings; a rejected clause can only be returned."""
    if not may_review(by, contract):
        raise DomainError("forbidden", _("Only legal reviews contracts, and not their own."))
    files = None
    if approve and contract.status == ContractStatus.IN_REVIEW:
        proposed = {
            str(d.get("clause")): str(d.get("proposed_text") or "").strip()
            for d in decisions
            if isinstance(d, dict) and d.get("verdict") == ClauseVerdict.PROPOSE
        }
        files = _cleared_files(
            contract,
            [
                {"key": c.key, "title": c.title, "text": proposed.get(c.key) or c.text}
                for c in contract.clauses.all()
            ],
        )
    return _decide(
        contract=contract,
        by=by,
        approve=approve,
        decisions=decisions,
        comment=comment,
        expected_version=expected_version,
        files=files,
    )


@transaction.atomic
def _decide(*, contract, by, approve, decisions, comment, expected_version, files) -> LegalReview:
    _lock(contract, expected_version)
    if contract.status != ContractStatus.IN_REVIEW:
        raise DomainError("not_in_review", _("This contract is not waiting for legal review."))
    review = contract.reviews.filter(decided_at__isnull=True).order_by("-round").first()
    if review is None:  # pragma: no cover (a contract in review always has an open round)
        raise DomainError("not_in_review", _("This contract is not waiting for legal review."))
    clauses = {c.key: c for c in contract.clauses.all()}
    errors: dict[str, str] = {}
    given: dict[str, dict[str, str]] = {}
    for i, decision in enumerate(decisions):
        key = str(decision.get("clause") or "")
        verdict = decision.get("verdict") or ""
        at = f"decisions.{i}"
        if key not in clauses:
            errors[f"{at}.clause"] = _("The contract has no clause %(key)s.") % {"key": key}
            continue
        if key in given:
            errors[f"{at}.clause"] = _("Clause %(key)s is decided twice.") % {"key": key}
        if verdict not in ClauseVerdict.values:
            errors[f"{at}.verdict"] = _("Choose accept, reject or propose wording.")
        elif verdict == ClauseVerdict.REJECT and not (decision.get("comment") or "").strip():
            errors[f"{at}.comment"] = _("Say why the clause is rejected.")
        elif verdict == ClauseVerdict.PROPOSE and not (decision.get("proposed_text") or "").strip():
            errors[f"{at}.proposed_text"] = _("Give the wording you propose.")
        given[key] = decision
    undecided = [c.title for c in clauses.values() if c.needs_review and c.key not in given]
    if undecided:
        errors["decisions"] = _("Decide every clause marked for review: %(titles)s.") % {
            "titles": ", ".join(undecided)
        }
    if errors:
        raise DomainError("invalid", _("Please correct the decisions marked."), errors)
    rejected = [clauses[k].title for k, d in given.items() if d["verdict"] == ClauseVerdict.REJECT]
    if approve and rejected:
        message = _("You rejected %(titles)s: return the contract instead of approving it.") % {
            "titles": ", ".join(rejected)
        }
        raise DomainError("rejected_clause", message, {"approve": message})
    if not approve and not (comment.strip() or any(d.get("comment") for d in given.values())):
        message = _("Tell the rep what to change: a comment on the contract or a clause.")
        raise DomainError("invalid", message, {"comment": message})
    now = timezone.now()
    rules = _review_settings(contract)
    with audit_actor(by):
        for key, decision in given.items():
            clause = clauses[key]
            ClauseDecision.objects.create(
                review=review,
                clause=clause,
                text=clause.text,
                verdict=decision["verdict"],
                comment=(decision.get("comment") or "").strip()[:2000],
                proposed_text=(decision.get("proposed_text") or "").strip()[:10000]
                if decision["verdict"] == ClauseVerdict.PROPOSE
                else "",
            )
            if approve and decision["verdict"] == ClauseVerdict.PROPOSE:
                clause.text = decision["proposed_text"].strip()
                _mark(clause, rules)
                clause.save(update_fields=["text", "deviates", "needs_review"])
        review.reviewer = by
        review.decided_at = now
        review.outcome = ReviewOutcome.APPROVED if approve else ReviewOutcome.RETURNED
        review.comment = comment.strip()[:2000]
        review.save()
    if approve:
        _clear(contract, by, [ContractStatus.IN_REVIEW], False, files)
    else:
        _move(contract, [ContractStatus.IN_REVIEW], by, status=ContractStatus.RETURNED)
    return review


@transaction.atomic
def contract_schedule(
    *,
    contract: Contract,
    by: User,
    target_signing_date: date | None,
    expected_version: int | None = None,
) -> Contract:
    """Sets the date the customer agreed to sign by; the follow-up comes due after it."""
    _require_edit(by, contract)
    _lock(contract, expected_version)
    if contract.status not in OPEN_STATUSES:
        raise DomainError("closed", _("The contract is no longer open."))
    _check_date(target_signing_date)
    _move(
        contract,
        OPEN_STATUSES,
        by,
        target_signing_date=target_signing_date,
        signing_due_at=close_due_at(target_signing_date),
    )
    return contract


@transaction.atomic
def document_tick(*, contract: Contract, by: User, key: str, ready: bool = True) -> Contract:
    """Marks one of the playbook's signing documents ready (or not yet)."""
    _require_edit(by, contract)
    _lock(contract)
    if contract.status not in OPEN_STATUSES:
        raise DomainError("closed", _("The contract is no longer open."))
    known = [d.key for d in _review_settings(contract).documents]
    if key not in known:
        message = _("%(key)s is not a signing document of the playbook; known: %(known)s.") % {
            "key": key,
            "known": ", ".join(known),
        }
        raise DomainError("invalid", message, {"key": message})
    keys = [k for k in contract.documents_ready if k != key] + ([key] if ready else [])
    _move(contract, OPEN_STATUSES, by, documents_ready=sorted(keys))
    return contract


def signing_late(contract: Contract) -> bool:
    """The agreed signing date passed and the contract is still open: the follow-up step."""
    return (
        contract.target_signing_date is not None
        and contract.target_signing_date < company_today()
        and contract.status in OPEN_STATUSES
    )


def missing_documents(contract: Contract) -> list[str]:
    spec = _review_settings(contract).documents
    return signing_documents_missing([d.key for d in spec], contract.documents_ready)


@transaction.atomic
def contract_send(*, contract: Contract, by: User, expected_version: int | None = None):
    """Sends the cleared contract for signature once every signing document is ready and a
    signing date is agreed."""
    _require_edit(by, contract)
    _lock(contract, expected_version)
    if contract.status != ContractStatus.APPROVED:
        raise DomainError(
            "not_cleared", _("Only a contract cleared by legal can be sent for signature.")
        )
    errors = {}
    missing = missing_documents(contract)
    if missing:
        labels = {d.key: d.label for d in _review_settings(contract).documents}
        language = get_language() or "zh-hans"
        errors["documents"] = _("Prepare these documents first: %(names)s.") % {
            "names": ", ".join(labels[k].get(language) for k in missing)
        }
    if contract.target_signing_date is None:
        errors["target_signing_date"] = _("Agree a signing date with the customer first.")
    if errors:
        raise DomainError("not_ready", " ".join(errors.values()), errors)
    _move(
        contract,
        [ContractStatus.APPROVED],
        by,
        status=ContractStatus.SENT,
        sent_at=timezone.now(),
    )
    return contract


@transaction.atomic
def contract_sign(
    *,
    contract: Contract,
    by: User,
    name: str,
    content: bytes,
    expected_version: int | None = None,
) -> Contract:
    """Records the signature with the signed copy (PDF or image), wins the deal through its
    gate, and leaves the hand-over for delivery. Refused, with nothing changed, without legal
    clearance, with a file that is not a PDF or image or is too large, or when the deal's
    gate does not pass."""
    _require_edit(by, contract)
    _lock(contract, expected_version)
    if contract.status in (ContractStatus.SIGNED, ContractStatus.ARCHIVED):
        raise DomainError("signed", _("This contract is already signed."))
    if contract.status not in (ContractStatus.APPROVED, ContractStatus.SENT):
        message = _("The contract is not cleared by legal; it cannot be signed yet.")
        raise DomainError("not_cleared", message, {"status": message})
    if not content:
        message = _("Upload the signed copy.")
        raise DomainError("invalid", message, {"file": message})
    if len(content) > settings.CONTRACT_UPLOAD_MAX_BYTES:
        message = too_large_message()
        raise DomainError("too_large", message, {"file": message})
    content_type = documents.scan_type(content)
    if content_type is None:
        message = _("The signed copy must be a PDF or an image (PNG, JPEG, TIFF).")
        raise DomainError("invalid_file", message, {"file": message})
    deal = contract.deal
    if not deal.is_open:
        raise DomainError("closed", _("The deal is closed; reopen it first."))
    now = timezone.now()
    _move(
        contract,
        [ContractStatus.APPROVED, ContractStatus.SENT],
        by,
        status=ContractStatus.SIGNED,
        signed_at=now,
        signing_due_at=None,
    )
    _store(
        contract,
        by,
        DocumentKind.SIGNED,
        name or f"{contract.number}-signed",
        content_type,
        content,
    )
    deal_move(deal=deal, to_stage="won", by=by)
    project_from_handover(handover=_handover(contract, by), by=by)
    return contract


def _handover(contract: Contract, by: User) -> Handover:
    deal = contract.deal
    stakeholders = Stakeholder.objects.filter(deal=deal).select_related("contact")
    with audit_actor(by):
        return Handover.objects.create(
            deal=deal,
            contract=contract,
            account=deal.account,
            scope=[
                {
                    "description": line.description,
                    "product": line.product.code if line.product_id else "",
                    "quantity": line.quantity,
                    "net_amount": str(line.net_amount),
                }
                for line in contract.quote.lines.select_related("product")
            ],
            people={
                "owner": deal.owner_id,
                "team": deal.team_id,
                "stakeholders": [
                    {"contact": s.contact_id, "name": str(s.contact), "role": s.role}
                    for s in stakeholders
                ],
            },
        )


@transaction.atomic
def contract_archive(*, contract: Contract, by: User) -> Contract:
    _require_edit(by, contract)
    _lock(contract)
    if contract.status != ContractStatus.SIGNED:
        raise DomainError("not_signed", _("Only a signed contract is archived."))
    _move(contract, [ContractStatus.SIGNED], by, status=ContractStatus.ARCHIVED)
    return contract


@transaction.atomic
def contract_cancel(*, contract: Contract, by: User, reason: str) -> Contract:
    _require_edit(by, contract)
    _lock(contract)
    if contract.status not in OPEN_STATUSES:
        raise DomainError("closed", _("A signed or cancelled contract cannot be cancelled."))
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why the contract is cancelled.")
        raise DomainError("invalid", message, {"reason": message})
    _move(
        contract,
        OPEN_STATUSES,
        by,
        status=ContractStatus.CANCELLED,
        cancel_reason=reason[:300],
        signing_due_at=None,
    )
    return contract


# --- signing follow-up ----------------------------------------------------------------------


@transaction.atomic
def incentive_offer(*, contract: Contract, by: User, key: str, note: str = "") -> SigningIncentive:
    """Offers a time-limited incentive to sign from the allowed concessions; one that needs
    approval asks the manager through the approval flow before it counts as offered."""
    _require_edit(by, contract)
    _lock(contract)
    if contract.status not in OPEN_STATUSES:
        raise DomainError("closed", _("The contract is no longer open."))
    allowed = {c["key"]: c for c in allowed_incentives(contract)}
    if key not in allowed:
        message = _("The price policy allows no concession %(key)s for this quote.") % {"key": key}
        raise DomainError("invalid", message, {"key": message})
    if contract.incentives.filter(key=key).exists():
        message = _("This incentive was already offered.")
        raise DomainError("duplicate", message, {"key": message})
    chosen = allowed[key]
    days = _review_settings(contract).incentive_days
    approval = None
    with audit_actor(by):
        if chosen["needs_approval"]:
            approval = Approval.objects.create(
                quote=contract.quote,
                subject=ApprovalSubject.CONCESSION,
                basis=ApprovalBasis.POLICY,
                detail=key,
                role=Role.MANAGER,
                owner=by,
                team=contract.deal.team,
            )
        return SigningIncentive.objects.create(
            contract=contract,
            key=key,
            label_zh=chosen["label_zh"],
            label_en=chosen["label_en"],
            valid_until=company_today() + timedelta(days=days),
            approval=approval,
            note=(note or "").strip()[:500],
            offered_by=by,
        )


# --- files ----------------------------------------------------------------------------------


def docx_context(contract: Contract, clauses: list[dict] | None = None) -> dict[str, Any]:
    """What a contract's Word template is filled with; `clauses` for a contract not yet saved."""
    quote = contract.quote
    return {
        "contract_number": contract.number,
        "date": company_today().isoformat(),
        "seller": settings.COMPANY_NAME or "________",  # unset: a line to fill in by hand
        "customer": contract.customer,
        "deal": contract.deal.name,
        "amount": contract.amount_display,
        "currency": contract.currency,
        "payment_term_days": contract.payment_term_days,
        "lines": [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": quote.money(line.net_price),
                "amount": quote.money(line.net_amount),
            }
            for line in quote.lines.all()
        ],
        "concessions": contract.concession_labels(),
        "clauses": clauses
        if clauses is not None
        else [{"key": c.key, "title": c.title, "text": c.text} for c in contract.clauses.all()],
        "target_signing_date": (
            contract.target_signing_date.isoformat() if contract.target_signing_date else ""
        ),
    }


def contract_docx(contract: Contract) -> bytes:
    """The contract as it reads now, from its template version's Word file."""
    return documents.render(_template_docx(contract), docx_context(contract))


def _template_docx(contract: Contract) -> bytes | None:
    return bytes(contract.template.docx) if contract.template.docx else None


def verify_file(contract: Contract, content: bytes) -> ContractDocument | None:
    """The archived file of this contract that `content` is byte for byte, or None."""
    return contract.documents.filter(sha256=documents.sha256(content)).first()
