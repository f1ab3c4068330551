"""Legal review: why a contract must go to legal, submitting it (cleared at once when no
clause needs review), legal's decision on each clause, and the files a cleared contract
keeps."""

from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.contracts import documents, events
from salesop.contracts.files import docx_context, store_file, template_docx
from salesop.contracts.models import (
    ClauseDecision,
    ClauseVerdict,
    Contract,
    ContractStatus,
    DocumentKind,
    LegalReview,
    ReviewOutcome,
)
from salesop.contracts.rules import may_review, payment_term_contradiction, review_reason
from salesop.contracts.services import (
    STALE,
    mark_clause,
    moving,
    require_edit,
    review_settings,
)
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError
from salesop.core.versioned import check_read, versioned_update


def review_reasons(contract: Contract) -> list[dict[str, str]]:
    """Why the contract must go to legal: one entry per clause that must be reviewed; empty
    when it may be cleared without review."""
    rules = review_settings(contract)
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
        if payment_term_contradiction(clause.key, clause.text, contract.payment_term_days):
            reason = "contradicts"
        if reason:
            reasons.append({"key": clause.key, "title": clause.title, "reason": reason})
    if not reasons and not (rules.skip_review_without_deviation and not deviating):
        reasons.append({"key": "", "title": "", "reason": "always"})
    return reasons


def contract_submit(*, contract: Contract, by: User, expected_version: int | None = None):
    """Sends the contract to legal when a clause needs it (or the playbook always wants a
    review); otherwise clears it at once."""
    require_edit(by, contract)
    clears = contract.status in (ContractStatus.DRAFT, ContractStatus.RETURNED)
    files = _cleared_files(contract) if clears and not review_reasons(contract) else None
    return _submit(contract=contract, by=by, expected_version=expected_version, files=files)


def _submit(*, contract: Contract, by: User, expected_version: int | None, files) -> Contract:
    check_read(contract, expected_version, stale=STALE)
    if contract.status not in (ContractStatus.DRAFT, ContractStatus.RETURNED):
        raise DomainError("not_draft", _("Only a draft or returned contract can be submitted."))
    reasons = review_reasons(contract)
    submittable = {"status__in": [ContractStatus.DRAFT, ContractStatus.RETURNED]}
    with moving(contract):
        if reasons:
            versioned_update(
                contract, by=by, stale=STALE, guard=submittable, status=ContractStatus.IN_REVIEW
            )
            rounds = contract.reviews.aggregate(n=Max("round"))["n"] or 0
            with audit_actor(by):
                review = LegalReview.objects.create(
                    contract=contract, round=rounds + 1, submitted_by=by, reasons=reasons
                )
            events.contract_submitted(review, by=by)
        else:
            versioned_update(contract, by=by, stale=STALE, guard=submittable, **_cleared(True))
            _archive_generated(contract, by, files)
            events.contract_cleared(contract, by=by)
    return contract


def _cleared(skipped: bool) -> dict[str, Any]:
    return {
        "status": ContractStatus.APPROVED,
        "cleared_at": timezone.now(),
        "review_skipped": skipped,
    }


def _cleared_files(contract: Contract, clauses: list[dict] | None = None):
    """The Word file and PDF a contract keeps when it clears, with what they were filled from.
    Rendered before the clearing's transaction (a rendering may take DOCUMENT_RENDER_SECONDS,
    LibreOffice longer; inside it, SQLite's single writer would wait), `clauses` being the
    wording it will clear with."""
    context = docx_context(contract, clauses)
    content = documents.render(template_docx(contract), context)
    return context, content, documents.to_pdf(content)


def _archive_generated(contract: Contract, by: User, files) -> None:
    """Keeps the cleared wording as a file (and a PDF when LibreOffice is installed): the
    files rendered beforehand, unless what fills them changed meanwhile."""
    if files is None or files[0] != docx_context(contract):
        files = _cleared_files(contract)
    _, content, pdf = files
    store_file(
        contract,
        by,
        DocumentKind.GENERATED,
        f"{contract.number}.docx",
        documents.DOCX_TYPE,
        content,
    )
    if pdf is not None:
        store_file(contract, by, DocumentKind.PDF, f"{contract.number}.pdf", "application/pdf", pdf)


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


def _decide(*, contract, by, approve, decisions, comment, expected_version, files) -> LegalReview:
    check_read(contract, expected_version, stale=STALE)
    if contract.status != ContractStatus.IN_REVIEW:
        raise DomainError("not_in_review", _("This contract is not waiting for legal review."))
    with moving(contract):
        # first, so that a second reviewer acting at once is refused before reading the round
        versioned_update(
            contract,
            by=by,
            stale=STALE,
            guard={"status": ContractStatus.IN_REVIEW},
            **(_cleared(False) if approve else {"status": ContractStatus.RETURNED}),
        )
        review = _decision(contract, by, approve, decisions, comment)
        if approve:
            _archive_generated(contract, by, files)
            events.contract_cleared(contract, by=by)
        else:
            events.contract_returned(review, by=by)
    return review


def _decision(contract, by, approve, decisions, comment) -> LegalReview:
    """Checks and keeps legal's decisions on the open round, the contract's row held."""
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
    rules = review_settings(contract)
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
                mark_clause(clause, rules)
                clause.save(update_fields=["text", "deviates", "needs_review"])
        review.reviewer = by
        review.decided_at = now
        review.outcome = ReviewOutcome.APPROVED if approve else ReviewOutcome.RETURNED
        review.comment = comment.strip()[:2000]
        review.save()
    return review
