"""From clearance to the archive: the agreed signing date and documents, sending, signing
(which wins the deal through its gate and leaves the hand-over for delivery), incentives for
a late signature, archiving and cancelling."""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.contracts import documents, events
from salesop.contracts.files import store_file, too_large_message
from salesop.contracts.models import (
    OPEN_STATUSES,
    Contract,
    ContractStatus,
    DocumentKind,
    Handover,
    SigningIncentive,
)
from salesop.contracts.rules import signing_documents_missing
from salesop.contracts.selectors import allowed_incentives
from salesop.contracts.services import (
    STALE,
    check_date,
    moving,
    require_edit,
    review_settings,
)
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError
from salesop.core.time import company_today
from salesop.core.versioned import check_read, versioned_update
from salesop.deals.models import Stakeholder
from salesop.deals.rules import close_due_at
from salesop.deals.services import deal_move, deal_update
from salesop.pricing.services import concession_approval_request


@transaction.atomic
def contract_schedule(
    *,
    contract: Contract,
    by: User,
    target_signing_date: date | None,
    expected_version: int | None = None,
) -> Contract:
    """Sets the date the customer agreed to sign by; the follow-up comes due after it."""
    require_edit(by, contract)
    check_read(contract, expected_version, stale=STALE)
    if contract.status not in OPEN_STATUSES:
        raise DomainError("closed", _("The contract is no longer open."))
    check_date(target_signing_date)
    versioned_update(
        contract,
        by=by,
        stale=STALE,
        guard={"status__in": list(OPEN_STATUSES)},
        target_signing_date=target_signing_date,
        signing_due_at=close_due_at(target_signing_date),
    )
    return contract


@transaction.atomic
def document_tick(*, contract: Contract, by: User, key: str, ready: bool = True) -> Contract:
    """Marks one of the playbook's signing documents ready (or not yet)."""
    require_edit(by, contract)
    if contract.status not in OPEN_STATUSES:
        raise DomainError("closed", _("The contract is no longer open."))
    known = [d.key for d in review_settings(contract).documents]
    if key not in known:
        message = _("%(key)s is not a signing document of the playbook; known: %(known)s.") % {
            "key": key,
            "known": ", ".join(known),
        }
        raise DomainError("invalid", message, {"key": message})
    keys = [k for k in contract.documents_ready if k != key] + ([key] if ready else [])
    versioned_update(
        contract,
        by=by,
        stale=STALE,
        guard={"status__in": list(OPEN_STATUSES)},
        documents_ready=sorted(keys),
    )
    return contract


def signing_late(contract: Contract) -> bool:
    """The agreed signing date passed and the contract is still open: the follow-up step."""
    return (
        contract.target_signing_date is not None
        and contract.target_signing_date < company_today()
        and contract.status in OPEN_STATUSES
    )


def missing_documents(contract: Contract) -> list[str]:
    spec = review_settings(contract).documents
    return signing_documents_missing([d.key for d in spec], contract.documents_ready)


@transaction.atomic
def contract_send(*, contract: Contract, by: User, expected_version: int | None = None):
    """Sends the cleared contract for signature once every signing document is ready and a
    signing date is agreed."""
    require_edit(by, contract)
    check_read(contract, expected_version, stale=STALE)
    if contract.status != ContractStatus.APPROVED:
        raise DomainError(
            "not_cleared", _("Only a contract cleared by legal can be sent for signature.")
        )
    errors = {}
    missing = missing_documents(contract)
    if missing:
        labels = {d.key: d.label for d in review_settings(contract).documents}
        language = get_language() or "zh-hans"
        errors["documents"] = _("Prepare these documents first: %(names)s.") % {
            "names": ", ".join(labels[k].get(language) for k in missing)
        }
    if contract.target_signing_date is None:
        errors["target_signing_date"] = _("Agree a signing date with the customer first.")
    if errors:
        raise DomainError("not_ready", " ".join(errors.values()), errors)
    versioned_update(
        contract,
        by=by,
        stale=STALE,
        guard={"status": ContractStatus.APPROVED},
        status=ContractStatus.SENT,
        sent_at=timezone.now(),
    )
    events.contract_sent(contract, by=by)
    return contract


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
    require_edit(by, contract)
    check_read(contract, expected_version, stale=STALE)
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
    with moving(contract):
        # first: a signature submitted twice at once wins the deal once, the second is stale
        versioned_update(
            contract,
            by=by,
            stale=STALE,
            guard={"status__in": [ContractStatus.APPROVED, ContractStatus.SENT]},
            status=ContractStatus.SIGNED,
            signed_at=timezone.now(),
            signing_due_at=None,
        )
        deal = contract.deal
        if not deal.is_open:
            raise DomainError("closed", _("The deal is closed; reopen it first."))
        store_file(
            contract,
            by,
            DocumentKind.SIGNED,
            name or f"{contract.number}-signed",
            content_type,
            content,
        )
        _deal_follows_contract(deal, contract, by)
        deal_move(deal=deal, to_stage="won", by=by)
        events.contract_signed(_handover(contract, by), by=by)
    return contract


def _deal_follows_contract(deal, contract: Contract, by: User) -> None:
    """The won deal says what was signed: its amount and currency become the contract's and its
    close date the signing day (audited), so won revenue and the reports use the signed figure,
    not the estimate the deal started with."""
    signed = {
        "amount": contract.amount,
        "currency": contract.currency,
        "expected_close_date": company_today(),
    }
    changed = {k: v for k, v in signed.items() if getattr(deal, k) != v}
    if changed:
        deal_update(deal=deal, by=by, **changed)


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
    require_edit(by, contract)
    if contract.status != ContractStatus.SIGNED:
        raise DomainError("not_signed", _("Only a signed contract is archived."))
    versioned_update(
        contract,
        by=by,
        stale=STALE,
        guard={"status": ContractStatus.SIGNED},
        status=ContractStatus.ARCHIVED,
    )
    return contract


@transaction.atomic
def contract_cancel(*, contract: Contract, by: User, reason: str) -> Contract:
    require_edit(by, contract)
    if contract.status not in OPEN_STATUSES:
        raise DomainError("closed", _("A signed or cancelled contract cannot be cancelled."))
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why the contract is cancelled.")
        raise DomainError("invalid", message, {"reason": message})
    versioned_update(
        contract,
        by=by,
        stale=STALE,
        guard={"status__in": list(OPEN_STATUSES)},
        status=ContractStatus.CANCELLED,
        cancel_reason=reason[:300],
        signing_due_at=None,
    )
    events.contract_cancelled(contract, by=by)
    return contract


def incentive_offer(*, contract: Contract, by: User, key: str, note: str = "") -> SigningIncentive:
    """Offers a time-limited incentive to sign from the allowed concessions; one that needs
    approval asks the manager through the approval flow before it counts as offered. The
    incentive is part of the contract: offering one is a change of it (version + 1)."""
    require_edit(by, contract)
    if contract.status not in OPEN_STATUSES:
        raise DomainError("closed", _("The contract is no longer open."))
    allowed = {c["key"]: c for c in allowed_incentives(contract)}
    if key not in allowed:
        message = _("The price policy allows no concession %(key)s for this quote.") % {"key": key}
        raise DomainError("invalid", message, {"key": message})
    chosen = allowed[key]
    days = review_settings(contract).incentive_days
    with moving(contract):
        # first: the same incentive offered twice at once is offered once
        versioned_update(contract, by=by, stale=STALE, guard={"status__in": list(OPEN_STATUSES)})
        if contract.incentives.filter(key=key).exists():
            message = _("This incentive was already offered.")
            raise DomainError("duplicate", message, {"key": message})
        approval = (
            concession_approval_request(quote=contract.quote, by=by, key=key)
            if chosen["needs_approval"]
            else None
        )
        with audit_actor(by):
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
