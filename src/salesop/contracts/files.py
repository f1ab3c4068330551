"""A contract's files: what its Word template is filled with, the document as it reads now,
the archive of what it cleared and was signed with, and checking a copy against it."""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from salesop.contracts import documents
from salesop.contracts.models import Contract, ContractDocument
from salesop.core.audit import audit_actor
from salesop.core.time import company_today


def too_large_message() -> str:
    return _("The file is larger than %(mb)d MB.") % {
        "mb": settings.CONTRACT_UPLOAD_MAX_BYTES // (1024 * 1024)
    }


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
    return documents.render(template_docx(contract), docx_context(contract))


def template_docx(contract: Contract) -> bytes | None:
    return bytes(contract.template.docx) if contract.template.docx else None


def verify_file(contract: Contract, content: bytes) -> ContractDocument | None:
    """The archived file of this contract that `content` is byte for byte, or None."""
    return contract.documents.filter(sha256=documents.sha256(content)).first()


def store_file(contract, by, kind, name, content_type, content: bytes) -> ContractDocument:
    """Keeps `content` in the contract's archive, with its checksum and the contract's status."""
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
