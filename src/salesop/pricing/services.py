"""Quotes and their approvals. A quote beyond its products' price policies (or, for free lines,
the playbook's bands) waits for the role the routing names; a value no one may approve is
refused before anything is written; the requester never approves their own quote; a decision
is final; editing a submitted quote makes a new revision and voids the old one's approvals;
only an approved quote is sent."""

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.models import Role, User
from salesop.core.audit import audit_actor, guarded_update
from salesop.core.errors import DomainError, StaleWrite
from salesop.core.money import (
    MAX_AMOUNT,
    format_amount,
    format_money,
    in_minor_units,
    minor_unit,
)
from salesop.core.params import parse_int
from salesop.core.versioned import hold, versioned_update
from salesop.deals.models import Deal
from salesop.playbook.selectors import active_playbook
from salesop.pricing import events
from salesop.pricing.models import (
    Approval,
    ApprovalBasis,
    ApprovalStatus,
    ApprovalSubject,
    Concession,
    Product,
    Quote,
    QuoteLine,
    QuoteStatus,
)
from salesop.pricing.rules import (
    ConcessionTerms,
    LineTerms,
    Routing,
    may_decide,
    route_quote,
)
from salesop.pricing.selectors import policies_for

MAX_QUANTITY = 1_000_000


def _approval_wait_hours() -> int | None:
    rule = next(
        (r for r in active_playbook().alerts if r.kind == "approval.pending_too_long"), None
    )
    return rule.after_hours if rule else None


STALE = gettext_lazy("Someone else changed this quote. Reload it and try again.")


# --- input -------------------------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float | bool):  # a float is not an exact amount; True is not 1
        value = str(value) if isinstance(value, float) else "x"
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _parse_lines(lines: Sequence[dict], currency: str) -> tuple[list[dict], dict[str, str]]:
    """The lines as QuoteLine fields, and what is wrong with them by input path."""
    errors: dict[str, str] = {}
    ids = {line.get("product_id") for line in lines if line.get("product_id") is not None}
    products = Product.objects.in_bulk(
        [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]
    )
    parsed = []
    for i, line in enumerate(lines):
        at = f"lines[{i}]"
        product = None
        product_id = line.get("product_id")
        if product_id is not None:
            product = products.get(product_id) if not isinstance(product_id, bool) else None
            if product is None or not product.active:
                errors[f"{at}.product_id"] = _("No such product on sale.")
            elif product.currency != currency:
                errors[f"{at}.product_id"] = _(
                    "This product is priced in %(product)s, the quote in %(quote)s."
                ) % {"product": product.currency, "quote": currency}
        discount = _decimal(line.get("discount_pct", 0))
        if discount is None or not Decimal(0) <= discount <= Decimal(100):
            errors[f"{at}.discount_pct"] = _("A discount is between 0 and 100 %.")
        quantity = line.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            quantity = parse_int(str(quantity).strip()) or 0
        if not 1 <= quantity <= MAX_QUANTITY:
            errors[f"{at}.quantity"] = _("Enter a whole number from 1 to %(max)s.") % {
                "max": MAX_QUANTITY
            }
        list_price = _decimal(line.get("list_price"))
        if product is not None:
            if list_price is not None and list_price != product.list_price:
                errors[f"{at}.list_price"] = _(
                    "The list price of %(product)s is %(price)s; give a discount instead."
                ) % {"product": product.code, "price": product.list_price_display}
            list_price = product.list_price
        elif list_price is None or list_price < 0 or not in_minor_units(list_price, currency):
            errors[f"{at}.list_price"] = _(
                "Enter an amount of 0 or more, in steps of %(unit)s."
            ) % {"unit": format_money(minor_unit(currency), currency)}
        elif list_price > MAX_AMOUNT:
            errors[f"{at}.list_price"] = _("Enter at most %(max)s.") % {
                "max": format_amount(MAX_AMOUNT)
            }
        if f"{at}.list_price" not in errors and f"{at}.quantity" not in errors and list_price:
            if list_price * quantity > MAX_AMOUNT:
                errors[f"{at}.quantity"] = _("This line comes to more than %(max)s.") % {
                    "max": format_amount(MAX_AMOUNT)
                }
        description = str(line.get("description") or "").strip()[:200]
        if not description and product is not None:
            description = product.name[:200]
        if not description:
            errors[f"{at}.description"] = _("Say what is sold.")
        parsed.append(
            {
                "product": product,
                "description": description,
                "quantity": quantity,
                "list_price": list_price,
                "discount_pct": discount,
            }
        )
    if not errors and sum(line["list_price"] * line["quantity"] for line in parsed) > MAX_AMOUNT:
        errors["lines"] = _("The lines come to more than %(max)s; split the quote.") % {
            "max": format_amount(MAX_AMOUNT)
        }
    return parsed, errors


def _route(
    *, lines: list[dict], payment_term_days: int, currency: str, concessions: Sequence[str]
) -> tuple[Routing, list[dict], dict]:
    """Routes the lines against their products' current policies. Also returns the chosen
    concessions as they are stored on the quote, and each line's policy (or None)."""
    policies = policies_for([line["product"] for line in lines if line["product"]])
    line_policies = [
        policies.get(line["product"].pk) if line["product"] else None for line in lines
    ]
    allowed: dict[str, ConcessionTerms] = {}
    stored: dict[str, dict] = {}
    for policy in line_policies:
        for c in policy.concessions.all() if policy else ():
            allowed.setdefault(c.key, ConcessionTerms(c.key, c.label, c.needs_approval))
            stored.setdefault(
                c.key,
                {
                    "key": c.key,
                    "label_zh": c.label_zh,
                    "label_en": c.label_en,
                    "needs_approval": c.needs_approval,
                },
            )
    routing = route_quote(
        lines=[
            LineTerms(line["description"], line["list_price"], line["discount_pct"], policy)
            for line, policy in zip(lines, line_policies, strict=True)
        ],
        payment_term_days=payment_term_days,
        currency=currency,
        bands=active_playbook().approvals,
        concessions=concessions,
        allowed_concessions=list(allowed.values()),
        labels={
            c.key: c.label
            for c in Concession.objects.filter(key__in=set(concessions) - set(allowed))
        },
    )
    return routing, [stored[k] for k in concessions if k in stored], dict(enumerate(line_policies))


def _refuse(routing: Routing) -> None:
    if routing.refused:
        raise DomainError(
            "beyond_policy",
            " ".join(r.message for r in routing.refused),
            {r.field: r.message for r in routing.refused},
        )


def _check_term(payment_term_days) -> int:
    if isinstance(payment_term_days, bool) or not isinstance(payment_term_days, int):
        payment_term_days = -1
    if not 0 <= payment_term_days <= 720:
        raise DomainError(
            "invalid",
            _("Please correct the fields marked."),
            {"payment_term_days": _("Enter 0 to 720 days.")},
        )
    return payment_term_days


def _write_quote(
    *,
    deal: Deal,
    by: User,
    lines: Sequence[dict],
    payment_term_days: int,
    currency: str,
    concessions: Sequence[str],
    number: int | None = None,
    revision: int = 1,
) -> Quote:
    if not lines:
        raise DomainError("lines", _("A quote needs at least one line."), {"lines": _("Required.")})
    payment_term_days = _check_term(payment_term_days)
    parsed, errors = _parse_lines(lines, currency)
    if len(set(concessions)) != len(concessions):
        errors["concessions"] = _("Each concession once.")
    if errors:
        raise DomainError("invalid", _("Please correct the fields marked."), errors)
    routing, stored_concessions, line_policies = _route(
        lines=parsed,
        payment_term_days=payment_term_days,
        currency=currency,
        concessions=concessions,
    )
    _refuse(routing)
    if number is None:
        # The deal's row is held so that two quotes made at once get two numbers.
        hold(Deal, deal.pk)
        number = (deal.quotes.aggregate(n=Max("number"))["n"] or 0) + 1
    with audit_actor(by):
        quote = Quote.objects.create(
            deal=deal,
            number=number,
            revision=revision,
            created_by=by,
            currency=currency,
            payment_term_days=payment_term_days,
            concessions=stored_concessions,
        )
        for i, line in enumerate(parsed):  # one by one, so each line is in the audit trail
            QuoteLine.objects.create(
                quote=quote,
                floor_price=line_policies[i].floor_price if line_policies[i] else None,
                **line,
            )
    return quote


# --- quotes ------------------------------------------------------------------------------


@transaction.atomic
def quote_create(
    *,
    deal: Deal,
    by: User,
    lines: Sequence[dict],
    payment_term_days: int = 30,
    currency: str = "CNY",
    concessions: Sequence[str] = (),
) -> Quote:
    """A draft quote with the next number on the deal. Each line is a product (`product_id`;
    its list price is the product's) or a free line (`description`, `list_price`), with a
    `quantity` and a `discount_pct`. Refused, with nothing written, when an input is invalid
    or a value is one no one may approve (a net price under the floor, a discount beyond the
    director's maximum, a term beyond the cap, a concession the policies do not allow)."""
    return _write_quote(
        deal=deal,
        by=by,
        lines=lines,
        payment_term_days=payment_term_days,
        currency=currency,
        concessions=list(concessions),
    )


def _request_approvals(quote: Quote, by: User) -> Quote:
    lines = list(quote.lines.select_related("product"))
    routing, _stored, _policies = _route(
        lines=[
            {
                "product": line.product,
                "description": line.description,
                "list_price": line.list_price,
                "discount_pct": line.discount_pct,
            }
            for line in lines
        ],
        payment_term_days=quote.payment_term_days,
        currency=quote.currency,
        concessions=[c["key"] for c in quote.concessions],
    )
    _refuse(routing)  # a policy may have tightened since the draft
    now = timezone.now()
    hours = _approval_wait_hours()
    with audit_actor(by):
        requested = [
            Approval.objects.create(
                quote=quote,
                line=lines[need.line] if need.line is not None else None,
                subject=need.subject,
                value=need.value,
                limit=need.limit,
                basis=need.basis,
                detail=need.detail,
                role=need.role,
                owner=by,
                team=by.team,
                requested_at=now,
                due_at=now + timedelta(hours=hours) if hours else None,
            )
            for need in routing.needed
        ]
        status = QuoteStatus.PENDING if routing.needed else QuoteStatus.APPROVED
        versioned_update(
            quote,
            by=by,
            stale=STALE,
            guard={"status": QuoteStatus.DRAFT},
            status=status,
        )
    for approval in requested:
        events.approval_requested(approval)
    if not requested:
        events.quote_approved(quote, by=by)
    return quote


@transaction.atomic
def quote_submit(*, quote: Quote, by: User) -> Quote:
    """Asks for the approvals the routing requires; none needed: approved at once."""
    if quote.status != QuoteStatus.DRAFT:
        raise DomainError("status", _("Only a draft quote can be submitted."))
    return _request_approvals(quote, by)


@transaction.atomic
def quote_propose(
    *,
    deal: Deal,
    by: User,
    lines: Sequence[dict],
    payment_term_days: int = 30,
    currency: str = "CNY",
    concessions: Sequence[str] = (),
) -> Quote:
    """quote_create and quote_submit in one step: either a submitted quote or nothing."""
    quote = quote_create(
        deal=deal,
        by=by,
        lines=lines,
        payment_term_days=payment_term_days,
        currency=currency,
        concessions=concessions,
    )
    return _request_approvals(quote, by)


@transaction.atomic
def quote_revise(
    *,
    quote: Quote,
    by: User,
    lines: Sequence[dict],
    payment_term_days: int,
    concessions: Sequence[str] = (),
) -> Quote:
    """A new revision of the quote (same number) with these lines, submitted at once. The old
    revision stays readable as superseded; its pending approvals become void and its decided
    ones are marked voided, their decisions untouched. Only the newest revision is revised."""
    if quote.status == QuoteStatus.SUPERSEDED:
        raise DomainError("superseded", _("This revision was superseded; revise the newest one."))
    hold(Quote, quote.pk)
    with audit_actor(by):
        versioned_update(
            quote,
            by=by,
            stale=STALE,
            guard={"status": quote.status},
            status=QuoteStatus.SUPERSEDED,
        )
        now = timezone.now()
        for approval in quote.approvals.filter(voided_at__isnull=True):
            changes = {"voided_at": now, "due_at": None}
            if approval.status == ApprovalStatus.PENDING:
                changes["status"] = ApprovalStatus.VOID
            if not guarded_update(approval, {"status": approval.status}, **changes):
                raise StaleWrite("decided", _("An approval changed meanwhile. Try again."))
    events.quote_superseded(quote, by=by)
    latest = quote.deal.quotes.filter(number=quote.number).aggregate(r=Max("revision"))["r"]
    revised = _write_quote(
        deal=quote.deal,
        by=by,
        lines=lines,
        payment_term_days=payment_term_days,
        currency=quote.currency,
        concessions=list(concessions),
        number=quote.number,
        revision=latest + 1,
    )
    return _request_approvals(revised, by)


@transaction.atomic
def quote_send(*, quote: Quote, by: User) -> Quote:
    """Marks the quote as sent to the customer: only an approved, newest revision, once."""
    if quote.status != QuoteStatus.APPROVED:
        raise DomainError(
            "not_approved",
            _("Only an approved quote can be sent; this one is “%(status)s”.")
            % {"status": quote.get_status_display()},
        )
    if quote.sent_at is not None:
        raise DomainError("sent", _("This quote was already sent."))
    with audit_actor(by):
        versioned_update(
            quote,
            by=by,
            stale=STALE,
            guard={"status": QuoteStatus.APPROVED, "sent_at__isnull": True},
            sent_at=timezone.now(),
            sent_by=by,
        )
    events.quote_sent(quote, by=by)
    return quote


# --- approvals ---------------------------------------------------------------------------


def concession_approval_request(*, quote: Quote, by: User, key: str) -> Approval:
    """A concession offered after the quote was approved (a signing incentive its policy marks
    as needing approval) waits for a manager of the deal's team, on the playbook's timer like
    any approval. The caller holds the quote's contract."""
    now = timezone.now()
    hours = _approval_wait_hours()
    with audit_actor(by):
        approval = Approval.objects.create(
            quote=quote,
            subject=ApprovalSubject.CONCESSION,
            basis=ApprovalBasis.POLICY,
            detail=key,
            role=Role.MANAGER,
            owner=by,
            team=quote.deal.team,
            requested_at=now,
            due_at=now + timedelta(hours=hours) if hours else None,
        )
    events.approval_requested(approval)
    return approval


@transaction.atomic
def approval_decide(*, approval: Approval, by: User, approve: bool, comment: str = "") -> Approval:
    """The named role decides, once; not the person who asked; the decision is never edited
    afterwards. The quote is approved when its last approval is, rejected at the first
    refusal (which voids the approvals still waiting)."""
    if by.pk == approval.owner_id:
        raise DomainError("own_request", _("You cannot approve your own request."))
    if not may_decide(by, approval):
        message = (
            _("This approval needs the %(role)s role.")
            if approval.role not in by.roles
            else _("This approval is for the %(role)s of the requester's team.")
        )
        raise DomainError(
            "forbidden", message % {"role": dict(Role.choices).get(approval.role, approval.role)}
        )
    if approval.status == ApprovalStatus.VOID:
        if approval.quote.status == QuoteStatus.REJECTED:
            raise DomainError("void", _("This approval is void: the quote was rejected."))
        raise DomainError(
            "void", _("This approval is void: the quote was revised. Decide the new revision.")
        )
    status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    # The quote's row first, as quote_revise does: two approvers deciding the same quote at
    # once then see each other's decision, and a decision racing a revision cannot deadlock.
    hold(Quote, approval.quote_id)
    with audit_actor(by):
        decided = guarded_update(
            approval,
            {"status": ApprovalStatus.PENDING},
            status=status,
            decided_by=by,
            decided_at=timezone.now(),
            comment=comment[:500],
            due_at=None,
        )
        if not decided:
            raise StaleWrite("decided", _("This approval was already decided."))
        events.approval_decided(approval, by=by)
        quote = approval.quote
        quote.refresh_from_db()
        if quote.status != QuoteStatus.PENDING:
            return approval
        if not approve:
            new_status = QuoteStatus.REJECTED
            # The quote is refused: nobody needs to decide the rest of it, and nothing of it
            # may wait in a queue or fall due.
            for other in quote.approvals.filter(status=ApprovalStatus.PENDING):
                guarded_update(
                    other,
                    {"status": ApprovalStatus.PENDING},
                    status=ApprovalStatus.VOID,
                    voided_at=timezone.now(),
                    due_at=None,
                )
        elif not quote.approvals.exclude(status=ApprovalStatus.APPROVED).exists():
            new_status = QuoteStatus.APPROVED
        else:
            return approval
        versioned_update(
            quote,
            by=by,
            stale=STALE,
            guard={"status": QuoteStatus.PENDING},
            status=new_status,
        )
    (events.quote_approved if approve else events.quote_rejected)(quote, by=by)
    return approval


def approvals_void(approvals) -> list[Approval]:
    """Pending approvals nobody needs to decide any more (their deal lost, their incentive's
    contract withdrawn): void, off every queue and timer. The ones voided are returned."""
    now = timezone.now()
    return [
        approval
        for approval in approvals.filter(status=ApprovalStatus.PENDING)
        if guarded_update(
            approval,
            {"status": ApprovalStatus.PENDING},
            status=ApprovalStatus.VOID,
            voided_at=now,
            due_at=None,
        )
    ]
