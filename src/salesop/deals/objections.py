"""Writes for the objections a customer raises on a deal: recorded, answered, resolved."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError
from salesop.deals.models import Deal, DealObjection, ObjectionCategory, ObjectionEntry


def _text_problems(**texts: tuple[str, int, bool]) -> dict[str, str]:
    problems = {}
    for name, (text, limit, required) in texts.items():
        if required and not text.strip():
            problems[name] = _("This field is required.")
        elif len(text.strip()) > limit:
            problems[name] = _("At most %(n)d characters.") % {"n": limit}
    return problems


@transaction.atomic
def objection_raise(
    *,
    deal: Deal,
    by: User,
    customer_words: str,
    category: str = "",
    entry: ObjectionEntry | None = None,
    answer_used: str = "",
    resolved: bool = False,
) -> DealObjection:
    """Records what the customer objected, in their words. A library answer gives the
    category when none is given; an objection marked resolved needs the answer used."""
    if not deal.is_open:
        raise DomainError("deal_closed", _("The deal is closed."))
    problems = _text_problems(
        customer_words=(customer_words, 2000, True), answer_used=(answer_used, 2000, resolved)
    )
    if entry is not None and not entry.active:
        problems["entry_id"] = _("That library answer is retired.")
    category = category or (entry.category if entry else "")
    if category not in ObjectionCategory.values:
        problems["category"] = _("Choose a category.")
    if problems:
        raise DomainError("invalid", _("Please correct the fields marked."), problems)
    objection = DealObjection(
        deal=deal,
        entry=entry,
        category=category,
        customer_words=customer_words.strip(),
        answer_used=answer_used.strip(),
        resolved=resolved,
        resolved_at=timezone.now() if resolved else None,
        by=by,
    )
    with audit_actor(by):
        objection.save()
    return objection


@transaction.atomic
def objection_resolve(
    *, objection: DealObjection, by: User, answer_used: str = "", resolved: bool = True
) -> DealObjection:
    """Says how the objection was answered and whether the customer accepted it; reopening
    (resolved=False) keeps the answer for the record."""
    answer = answer_used.strip() or objection.answer_used
    problems = _text_problems(answer_used=(answer, 2000, resolved))
    if problems:
        raise DomainError("invalid", _("Say which answer resolved the objection."), problems)
    objection.answer_used = answer
    objection.resolved = resolved
    objection.resolved_at = timezone.now() if resolved else None
    with audit_actor(by):
        objection.save(update_fields=["answer_used", "resolved", "resolved_at"])
    return objection
