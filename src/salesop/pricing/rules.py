"""Which approvals a quote needs, from the playbook's approval steps. No writes."""

from dataclasses import dataclass
from decimal import Decimal

from salesop.playbook.schema import Approvals


@dataclass(frozen=True)
class Needed:
    subject: str  # discount | payment_term
    value: Decimal
    role: str | None  # None: within the first step, no approval needed


class BeyondPolicy(ValueError):
    """The value is beyond the playbook's last step: no role may grant it. Carries the subject."""


def needed_approvals(
    *, max_discount: Decimal, payment_term_days: int, policy: Approvals
) -> list[Needed]:
    """The approver for the largest discount and for the payment term: the first step whose
    limit covers the value. Beyond the last step the quote is outside the policy."""
    out = []
    for subject, value, steps, limit in (
        ("discount", max_discount, policy.discount, "max_pct"),
        ("payment_term", Decimal(payment_term_days), policy.payment_term, "max_days"),
    ):
        step = next((s for s in steps if value <= Decimal(str(getattr(s, limit)))), None)
        if step is None:
            raise BeyondPolicy(subject)
        if step.approver:
            out.append(Needed(subject, value, step.approver))
    return out
