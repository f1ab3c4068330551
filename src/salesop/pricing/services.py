"""Quotes and their approvals: a quote beyond the playbook's thresholds waits for the role the
playbook names; the requester never approves their own quote."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError, StaleWrite
from salesop.deals.models import Deal
from salesop.playbook.selectors import active_playbook
from salesop.pricing.models import Approval, ApprovalStatus, Quote, QuoteLine, QuoteStatus
from salesop.pricing.rules import BeyondPolicy, needed_approvals


def _approval_wait_hours() -> int | None:
    rule = next(
        (r for r in active_playbook().alerts if r.kind == "approval.pending_too_long"), None
    )
    return rule.after_hours if rule else None


@transaction.atomic
def quote_create(
    *, deal: Deal, by: User, lines: list[dict], payment_term_days: int = 30, currency: str = "CNY"
) -> Quote:
    if not lines:
        raise DomainError("lines", _("A quote needs at least one line."), {"lines": _("Required.")})
    with audit_actor(by):
        quote = Quote.objects.create(
            deal=deal, created_by=by, currency=currency, payment_term_days=payment_term_days
        )
    for i, line in enumerate(lines):
        discount = Decimal(str(line.get("discount_pct", 0)))
        if not Decimal(0) <= discount <= Decimal(100):
            raise DomainError(
                "discount",
                _("A discount is between 0 and 100 %."),
                {f"lines[{i}].discount_pct": _("Enter 0 to 100.")},
            )
        QuoteLine.objects.create(
            quote=quote,
            description=line["description"][:200],
            quantity=int(line.get("quantity", 1)),
            list_price=Decimal(str(line["list_price"])),
            discount_pct=discount,
        )
    return quote


@transaction.atomic
def quote_submit(*, quote: Quote, by: User) -> Quote:
    """Asks for the approvals the playbook requires; none needed: approved at once."""
    if quote.status != QuoteStatus.DRAFT:
        raise DomainError("status", _("Only a draft quote can be submitted."))
    max_discount = max((line.discount_pct for line in quote.lines.all()), default=Decimal(0))
    try:
        needed = needed_approvals(
            max_discount=max_discount,
            payment_term_days=quote.payment_term_days,
            policy=active_playbook().approvals,
        )
    except BeyondPolicy as exc:
        raise DomainError(
            "beyond_policy",
            _("This %(what)s is beyond what any approver may grant in the playbook.")
            % {"what": _("discount") if str(exc) == "discount" else _("payment term")},
            {str(exc): _("Beyond the policy.")},
        ) from None
    now = timezone.now()
    hours = _approval_wait_hours()
    for need in needed:
        Approval.objects.create(
            quote=quote,
            subject=need.subject,
            value=need.value,
            role=need.role,
            owner=by,
            team=by.team,
            requested_at=now,
            due_at=now + timedelta(hours=hours) if hours else None,
        )
    status = QuoteStatus.PENDING if needed else QuoteStatus.APPROVED
    updated = Quote.objects.filter(pk=quote.pk, version=quote.version).update(
        status=status, version=F("version") + 1
    )
    if not updated:
        raise StaleWrite("stale", _("Someone else changed this quote. Reload it and try again."))
    quote.status, quote.version = status, quote.version + 1
    return quote


@transaction.atomic
def approval_decide(*, approval: Approval, by: User, approve: bool, comment: str = "") -> Approval:
    """The named role decides, once; not the person who asked. The quote is approved when its
    last approval is, rejected at the first refusal."""
    if by.pk == approval.owner_id:
        raise DomainError("own_request", _("You cannot approve your own request."))
    if approval.role not in by.roles and not by.is_superuser:
        raise DomainError(
            "forbidden", _("This approval needs the %(role)s role.") % {"role": approval.role}
        )
    status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    decided = Approval.objects.filter(pk=approval.pk, status=ApprovalStatus.PENDING).update(
        status=status,
        decided_by=by,
        decided_at=timezone.now(),
        comment=comment[:500],
        due_at=None,
    )
    if not decided:
        raise StaleWrite("decided", _("This approval was already decided."))
    approval.refresh_from_db()
    quote = approval.quote
    if not approve:
        Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.REJECTED)
    elif not quote.approvals.exclude(status=ApprovalStatus.APPROVED).exists():
        Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.APPROVED)
    return approval
