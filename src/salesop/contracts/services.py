"""Making a contract from an approved quote and rewording its clauses, and what every write
to a contract shares: the version it was read at, who may change it, the playbook's contract
rules. Review is in `legal_review`, signing and after in `signing`, templates in
`template_versions`. A contract changes only through core.versioned.versioned_update: a
conditional UPDATE on the version read, so two people acting at once cannot both win."""

from contextlib import contextmanager
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.models import User
from salesop.contracts import documents
from salesop.contracts.files import docx_context
from salesop.contracts.models import (
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    Contract,
    ContractClause,
    ContractStatus,
    ContractTemplate,
)
from salesop.contracts.rules import (
    PAYMENT_CLAUSE,
    deviates,
    may_edit,
    payment_term_contradiction,
    review_reason,
    with_payment_term,
)
from salesop.core.audit import audit_actor
from salesop.core.docx import DocumentFailed
from salesop.core.errors import DomainError
from salesop.core.ids import next_id
from salesop.core.time import company_today
from salesop.core.versioned import check_read, versioned_update
from salesop.deals.models import Deal
from salesop.deals.rules import close_due_at
from salesop.deals.selectors import playbook_of
from salesop.pricing.models import Quote, QuoteStatus
from salesop.pricing.selectors import current_quote

STALE = gettext_lazy("Someone else changed this contract. Reload it and try again.")


@contextmanager
def moving(contract: Contract):
    """The transaction of a write that moves the contract first (its versioned_update holds
    the row to the end: PostgreSQL's row lock, SQLite's one writer) and then checks and writes
    what depends on it. A refusal after the move rolls it all back; the instance, refreshed by
    the move, is read again so that it does not keep what was undone."""
    read = contract.version
    try:
        with transaction.atomic():
            yield
    except Exception:
        if contract.version != read:
            contract.refresh_from_db()
        raise


def require_edit(user: User, contract: Contract) -> None:
    if not may_edit(user, contract):
        raise DomainError("forbidden", _("Only the deal's owner or their manager may do this."))


def _number(pk: int) -> str:
    return f"HT{company_today():%Y}-{pk:05d}"


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
    template: parties and terms filled in from the quote, clauses in their standard wording
    (the quote's payment term written into a clause that asks for it)."""
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
    draft = Contract(**fields, number=_number(0))
    try:
        documents.render(
            bytes(template.docx) if template.docx else None,
            docx_context(
                draft,
                [
                    {
                        "key": c.key,
                        "title": c.title,
                        "text": with_payment_term(c.text, quote.payment_term_days),
                    }
                    for c in clauses
                ],
            ),
        )
    except DocumentFailed as exc:
        raise DomainError("template_mismatch", exc.message, {"template": exc.message}) from None
    with transaction.atomic():
        _check_create(deal, quote, template, by, target_signing_date)  # again, as the writer
        pk = next_id(Contract)  # the number shows it, and the insert writes the number
        with audit_actor(by):
            contract = Contract.objects.create(
                **fields,
                pk=pk,
                number=_number(pk),
                signing_due_at=close_due_at(target_signing_date),
                created_by=by,
            )
            ContractClause.objects.bulk_create(
                ContractClause(
                    contract=contract,
                    key=clause.key,
                    title=clause.title,
                    standard_text=with_payment_term(clause.text, quote.payment_term_days),
                    text=with_payment_term(clause.text, quote.payment_term_days),
                    needs_review=bool(
                        payment_term_contradiction(
                            clause.key,
                            with_payment_term(clause.text, quote.payment_term_days),
                            quote.payment_term_days,
                        )
                    ),
                    risk=clause.risk,
                    position=clause.position,
                )
                for clause in clauses
            )
    return contract


def _check_create(deal, quote, template, by, target_signing_date) -> None:
    require_edit(by, Contract(deal=deal))
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
    check_date(target_signing_date)


def check_date(target: date | None) -> None:
    if target is not None and target < company_today():
        message = _("The target signing date is in the past.")
        raise DomainError("invalid", message, {"target_signing_date": message})


def _require_editable(contract: Contract) -> None:
    if contract.status not in EDITABLE_STATUSES:
        message = _("A contract that is %(status)s cannot be edited.") % {
            "status": contract.get_status_display().lower()
        }
        raise DomainError("not_editable", message, {"status": message})


def review_settings(contract: Contract):
    return playbook_of(contract.deal).contracts


def clauses_edit(
    *, contract: Contract, by: User, texts: dict[str, str], expected_version: int | None = None
) -> Contract:
    """Rewords clauses (by key) and marks each against its standard text. Editing an approved
    contract withdraws its clearance: it goes back to draft."""
    require_edit(by, contract)
    check_read(contract, expected_version, stale=STALE)
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
    rules = review_settings(contract)
    with moving(contract):
        if contract.status == ContractStatus.APPROVED:
            versioned_update(
                contract,
                by=by,
                stale=STALE,
                guard={"status": ContractStatus.APPROVED},
                status=ContractStatus.DRAFT,
                cleared_at=None,
                review_skipped=False,
            )
        else:
            versioned_update(
                contract, by=by, stale=STALE, guard={"status__in": list(EDITABLE_STATUSES)}
            )
        with audit_actor(by):
            for key, text in texts.items():
                clause = clauses[key]
                text = text.strip()
                if text == clause.text:
                    continue
                clause.text = text
                mark_clause(clause, rules)
                clause.save(update_fields=["text", "deviates", "needs_review"])
    return contract


def mark_clause(clause: ContractClause, rules) -> None:
    """Whether the clause differs from its standard text and must go to legal: a deviation
    the playbook sends there, or a payment clause that contradicts the quote's term."""
    clause.deviates = deviates(clause.standard_text, clause.text)
    clause.needs_review = bool(
        review_reason(
            key=clause.key,
            risk=clause.risk,
            deviates=clause.deviates,
            review_clauses=list(rules.review_clauses),
            review_any=rules.review_any_deviation,
        )
    ) or bool(
        clause.key == PAYMENT_CLAUSE
        and payment_term_contradiction(clause.key, clause.text, clause.contract.payment_term_days)
    )
