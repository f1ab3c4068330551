"""The approval routing table: discount and payment-term bands against a product's price policy
(rep / manager / director, finance for the term, floor and cap refused), free lines against the
playbook's bands, concessions. Pure rules, no database."""

from decimal import Decimal

import pytest
from django.utils import translation

from salesop.playbook.schema import Approvals, DiscountStep, PaymentTermStep
from salesop.pricing.models import PricePolicy
from salesop.pricing.rules import ConcessionTerms, LineTerms, route_quote

# The default playbook's bands (playbook/default.yaml).
BANDS = Approvals(
    discount=[
        DiscountStep(max_pct=10),
        DiscountStep(max_pct=20, approver="manager"),
        DiscountStep(max_pct=30, approver="finance"),
    ],
    payment_term=[
        PaymentTermStep(max_days=30),
        PaymentTermStep(max_days=60, approver="manager"),
        PaymentTermStep(max_days=90, approver="finance"),
    ],
)
# List 100,000; floor 60,000; rep 10 %, manager 20 %, director 35 %; 60 days, cap 120.
POLICY = PricePolicy(
    family="wms",
    floor_price=Decimal("60000"),
    max_discount_rep=Decimal(10),
    max_discount_manager=Decimal(20),
    max_discount_director=Decimal(35),
    max_payment_term_days=60,
    hard_payment_term_days=120,
)
# The same, with a floor above the director's band: 70,000 is 30 % off.
HIGH_FLOOR = PricePolicy(
    family="mes",
    floor_price=Decimal("70000"),
    max_discount_rep=Decimal(10),
    max_discount_manager=Decimal(20),
    max_discount_director=Decimal(35),
    max_payment_term_days=60,
    hard_payment_term_days=120,
)
CONCESSIONS = [
    ConcessionTerms("training", "Free training", needs_approval=True),
    ConcessionTerms("onsite", "On-site support", needs_approval=False),
]


def route(lines, term=30, concessions=()):
    routing = route_quote(
        lines=[
            LineTerms(f"item {i}", Decimal("100000"), Decimal(pct), policy)
            for i, (pct, policy) in enumerate(lines)
        ],
        payment_term_days=term,
        currency="CNY",
        bands=BANDS,
        concessions=concessions,
        allowed_concessions=CONCESSIONS if any(p for _pct, p in lines) else [],
    )
    return [(n.subject, n.role) for n in routing.needed], [r.field for r in routing.refused]


D, T, C = "discount", "payment_term", "concession"
BEYOND_DISCOUNT = ["lines[0].discount_pct"]


@pytest.mark.parametrize(
    ("lines", "term", "concessions", "needed", "refused"),
    [
        # a product line: the policy's discount bands, by role
        ([("0", POLICY)], 30, (), [], []),
        ([("10", POLICY)], 30, (), [], []),
        ([("10.01", POLICY)], 30, (), [(D, "manager")], []),
        ([("20", POLICY)], 30, (), [(D, "manager")], []),
        ([("20.01", POLICY)], 30, (), [(D, "director")], []),
        ([("35", POLICY)], 30, (), [(D, "director")], []),
        ([("35.01", POLICY)], 30, (), [], BEYOND_DISCOUNT),
        ([("100", POLICY)], 30, (), [], BEYOND_DISCOUNT),
        # the floor refuses even inside the director's band
        ([("30", HIGH_FLOOR)], 30, (), [(D, "director")], []),
        ([("30.01", HIGH_FLOOR)], 30, (), [], BEYOND_DISCOUNT),
        # the payment term: the policy's longest term, then finance, then the cap
        ([("5", POLICY)], 60, (), [], []),
        ([("5", POLICY)], 61, (), [(T, "finance")], []),
        ([("5", POLICY)], 120, (), [(T, "finance")], []),
        ([("5", POLICY)], 121, (), [], ["payment_term_days"]),
        ([("15", POLICY)], 90, (), [(D, "manager"), (T, "finance")], []),
        ([("25", POLICY)], 120, (), [(D, "director"), (T, "finance")], []),
        ([("40", POLICY)], 150, (), [], [*BEYOND_DISCOUNT, "payment_term_days"]),
        # free lines: the playbook's bands, as before products existed
        ([("10", None)], 30, (), [], []),
        ([("15", None)], 30, (), [(D, "manager")], []),
        ([("25", None)], 30, (), [(D, "finance")], []),
        ([("30.01", None)], 30, (), [], BEYOND_DISCOUNT),
        ([("5", None)], 45, (), [(T, "manager")], []),
        ([("5", None)], 90, (), [(T, "finance")], []),
        ([("5", None)], 91, (), [], ["payment_term_days"]),
        # several lines: each line routes on its own; the term follows the products' policy
        ([("15", POLICY), ("25", None)], 30, (), [(D, "manager"), (D, "finance")], []),
        ([("25", POLICY), ("0", None)], 90, (), [(D, "director"), (T, "finance")], []),
        ([("5", POLICY), ("50", None)], 30, (), [], ["lines[1].discount_pct"]),
        # concessions: some need a manager, unknown ones are refused
        ([("5", POLICY)], 30, ("onsite",), [], []),
        ([("5", POLICY)], 30, ("training",), [(C, "manager")], []),
        ([("5", POLICY)], 30, ("onsite", "golf"), [], ["concessions[1]"]),
        ([("5", None)], 30, ("training",), [], ["concessions[0]"]),
    ],
)
def test_routing_table(lines, term, concessions, needed, refused):
    assert route(lines, term, concessions) == (needed, refused)


@translation.override("en")
def test_a_refusal_names_the_line_and_the_limit():
    routing = route_quote(
        lines=[
            LineTerms("实施服务", Decimal("100000"), Decimal(5), POLICY),
            LineTerms("WMS 许可", Decimal("100000"), Decimal(31), HIGH_FLOOR),
        ],
        payment_term_days=30,
        currency="CNY",
        bands=BANDS,
    )
    [refusal] = routing.refused
    assert refusal.field == "lines[1].discount_pct"
    assert "Line 2 (WMS 许可)" in refusal.message
    assert "¥69,000.00" in refusal.message and "¥70,000.00" in refusal.message


def test_an_approval_carries_the_limit_it_passed():
    routing = route_quote(
        lines=[LineTerms("WMS", Decimal("100000"), Decimal(25), POLICY)],
        payment_term_days=75,
        currency="CNY",
        bands=BANDS,
    )
    discount, term = routing.needed
    assert (discount.line, discount.limit, discount.basis) == (0, Decimal(20), "policy")
    assert (term.value, term.limit, term.role) == (Decimal(75), Decimal(60), "finance")
