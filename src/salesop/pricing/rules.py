"""Which approvals a quote needs, and what no one may approve. No writes, no queries.

Routing (`route_quote`), per line:
- a line whose product has a price policy (its own, else its family's): a discount within the
  rep's maximum needs nobody, up to the manager's maximum a manager, up to the director's
  maximum a director; beyond the director's maximum, or a net unit price below the floor, is
  refused: no approval path exists;
- a free line (no product, or a product without a policy) follows the playbook's `approvals`
  discount bands, as before products existed.
The payment term follows the strictest policy among the quote's products: within the longest
term nobody, up to the cap finance, beyond the cap refused. A quote with no policy at all
follows the playbook's payment-term bands. A concession the policy marks as needing approval
goes to a manager: it is room the manager gives, like a discount in the manager's band.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from django.utils.translation import gettext as _

from salesop.accounts.models import Role
from salesop.core.money import format_money, minor_unit
from salesop.playbook.schema import Approvals


@dataclass(frozen=True)
class Needed:
    subject: str  # discount | payment_term | concession
    value: Decimal | None
    role: str | None  # None: within the first step, no approval needed
    line: int | None = None  # the line's index in the quote, for a discount
    limit: Decimal | None = None  # what the value went beyond
    basis: str = "playbook"  # policy | playbook
    detail: str = ""  # a concession's key


@dataclass(frozen=True)
class Refusal:
    field: str  # where, as the input names it: lines[1].discount_pct, payment_term_days
    message: str


@dataclass
class Routing:
    needed: list[Needed] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


class BeyondPolicy(ValueError):
    """The value is beyond the playbook's last step: no role may grant it. Carries the subject."""


class Policy(Protocol):
    floor_price: Decimal | None
    max_discount_rep: Decimal
    max_discount_manager: Decimal
    max_discount_director: Decimal
    max_payment_term_days: int
    hard_payment_term_days: int


@dataclass(frozen=True)
class ConcessionTerms:
    key: str
    label: str
    needs_approval: bool


@dataclass(frozen=True)
class LineTerms:
    description: str
    list_price: Decimal
    discount_pct: Decimal
    policy: Policy | None = None  # the product's own policy, else its family's


def net_price(list_price: Decimal, discount_pct: Decimal, currency: str) -> Decimal:
    """The unit price after the discount, to the currency's smallest unit."""
    return (list_price * (100 - discount_pct) / 100).quantize(minor_unit(currency), ROUND_HALF_UP)


def _band(value: Decimal, steps, limit: str) -> tuple[str | None, Decimal | None]:
    """The approver of the first step covering the value, and the limit of the step before
    (what the value went beyond). BeyondPolicy past the last step."""
    previous = None
    for step in steps:
        if value <= Decimal(str(getattr(step, limit))):
            return step.approver, previous
        previous = Decimal(str(getattr(step, limit)))
    raise BeyondPolicy(limit)


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _route_line(
    i: int, line: LineTerms, currency: str, bands: Approvals
) -> Needed | Refusal | None:
    at = f"lines[{i}].discount_pct"
    what = {"n": i + 1, "item": line.description, "pct": _pct(line.discount_pct)}
    policy = line.policy
    if policy is None:
        try:
            role, passed = _band(line.discount_pct, bands.discount, "max_pct")
        except BeyondPolicy:
            return Refusal(
                at,
                _(
                    "Line %(n)s (%(item)s): a %(pct)s%% discount is beyond the playbook's last "
                    "approval band (%(max)s%%); no one may approve it."
                )
                % {**what, "max": _pct(Decimal(str(bands.discount[-1].max_pct)))},
            )
        if role is None:
            return None
        return Needed("discount", line.discount_pct, role, i, passed, "playbook")
    net = net_price(line.list_price, line.discount_pct, currency)
    if policy.floor_price is not None and net < policy.floor_price:
        return Refusal(
            at,
            _(
                "Line %(n)s (%(item)s): the net price %(net)s is below the floor %(floor)s; "
                "no one may approve it."
            )
            % {
                **what,
                "net": format_money(net, currency),
                "floor": format_money(policy.floor_price, currency),
            },
        )
    steps = (
        (policy.max_discount_rep, None),
        (policy.max_discount_manager, Role.MANAGER),
        (policy.max_discount_director, Role.DIRECTOR),
    )
    passed = None
    for limit, role in steps:
        if line.discount_pct <= limit:
            if role is None:
                return None
            return Needed("discount", line.discount_pct, str(role), i, passed, "policy")
        passed = limit
    return Refusal(
        at,
        _(
            "Line %(n)s (%(item)s): a %(pct)s%% discount is beyond the director's maximum "
            "(%(max)s%%) in the price policy; no one may approve it."
        )
        % {**what, "max": _pct(policy.max_discount_director)},
    )


def route_quote(
    *,
    lines: Sequence[LineTerms],
    payment_term_days: int,
    currency: str,
    bands: Approvals,
    concessions: Sequence[str] = (),
    allowed_concessions: Sequence[ConcessionTerms] = (),
    labels: Mapping[str, str] | None = None,
) -> Routing:
    """Every approval the quote needs (one per line beyond the rep's authority, one for the
    term, one per concession that needs it) and every value no one may approve, with where it
    is in the input (`labels` names a refused concession as the form offered it). See the
    module's docstring for the routing table."""
    routing = Routing()
    for i, line in enumerate(lines):
        result = _route_line(i, line, currency, bands)
        if isinstance(result, Refusal):
            routing.refused.append(result)
        elif result is not None:
            routing.needed.append(result)

    term = Decimal(payment_term_days)
    policies = [line.policy for line in lines if line.policy is not None]
    if policies:
        longest = min(p.max_payment_term_days for p in policies)
        cap = min(p.hard_payment_term_days for p in policies)
        if payment_term_days > cap:
            routing.refused.append(
                Refusal(
                    "payment_term_days",
                    _(
                        "A payment term of %(days)s days is beyond the price policy's cap of "
                        "%(cap)s days; no one may approve it."
                    )
                    % {"days": payment_term_days, "cap": cap},
                )
            )
        elif payment_term_days > longest:
            routing.needed.append(
                Needed("payment_term", term, str(Role.FINANCE), None, Decimal(longest), "policy")
            )
    else:
        try:
            role, passed = _band(term, bands.payment_term, "max_days")
        except BeyondPolicy:
            routing.refused.append(
                Refusal(
                    "payment_term_days",
                    _(
                        "A payment term of %(days)s days is beyond the playbook's last approval "
                        "band (%(max)s days); no one may approve it."
                    )
                    % {"days": payment_term_days, "max": bands.payment_term[-1].max_days},
                )
            )
        else:
            if role:
                routing.needed.append(Needed("payment_term", term, role, None, passed))

    allowed = {c.key: c for c in allowed_concessions}
    for j, key in enumerate(concessions):
        concession = allowed.get(key)
        if concession is None:
            routing.refused.append(
                Refusal(
                    f"concessions[{j}]",
                    _("The concession %(key)s is not allowed by the price policy of any line.")
                    % {"key": (labels or {}).get(key, key)},
                )
            )
        elif concession.needs_approval:
            routing.needed.append(
                Needed("concession", None, str(Role.MANAGER), basis="policy", detail=key)
            )
    return routing


def approval_reason(
    *, subject: str, value, limit, basis: str, role: str, concession: str = ""
) -> str:
    """Why an approval went to its role, for the approver."""
    role_label = Role(role).label if role in Role.values else role
    source = (
        _("the product's price policy") if basis == "policy" else _("the playbook's approval bands")
    )
    if subject == "concession":
        return _(
            "The concession “%(name)s” needs approval under %(source)s, so %(role)s decides."
        ) % {"name": concession, "source": source, "role": role_label}
    if subject == "payment_term":
        return _(
            "A payment term of %(value)s days is beyond the %(limit)s days allowed without "
            "approval by %(source)s, so %(role)s decides."
        ) % {
            "value": int(value),
            "limit": int(limit) if limit is not None else 0,
            "source": source,
            "role": role_label,
        }
    return _(
        "A discount of %(value)s%% is beyond the %(limit)s%% allowed without this approval by "
        "%(source)s, so %(role)s decides."
    ) % {
        "value": _pct(Decimal(value)),
        "limit": _pct(Decimal(limit)) if limit is not None else "0",
        "source": source,
        "role": role_label,
    }


# Managers and directors decide for their team's subtree; other roles for everyone.
TEAM_SCOPED_ROLES = (Role.MANAGER, Role.DIRECTOR)


def may_decide(user, approval) -> bool:
    """Whether `user` decides `approval`: never their own request; a superuser any other; else
    someone holding its role, a manager or director only within their team's subtree (sales
    operations, who see every team, for every team). Reads approval.team."""
    if approval.owner_id == user.pk:
        return False
    if user.is_superuser:
        return True
    if approval.role not in user.roles:
        return False
    if approval.role not in TEAM_SCOPED_ROLES or user.sees_everything:
        return True
    team = approval.team
    return bool(user.team_id and team and team.path.startswith(user.team.path))
