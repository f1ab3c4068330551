"""Quotes from products under their price policies: totals, bad input refused with nothing
written, routing to manager / director / finance, revisions that void approvals, sending only
when approved, and decisions that are audited and final."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.utils import translation

from salesop.core.errors import DomainError, StaleWrite
from salesop.core.testing import admin_login, make_deal, make_policy, make_product
from salesop.deals.rules import GateContext
from salesop.playbook.selectors import active_playbook
from salesop.pricing.criteria import within_policy_or_approved
from salesop.pricing.models import Approval, PricePolicy, Quote, QuoteLine
from salesop.pricing.selectors import policy_of
from salesop.pricing.services import (
    approval_decide,
    quote_create,
    quote_propose,
    quote_revise,
    quote_send,
    quote_submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def wms(org):
    product = make_product()
    make_policy(family="wms")
    return product


def propose(org, lines, term=30, concessions=(), by=None, deal=None):
    return quote_propose(
        deal=deal or make_deal(org.rep),
        by=by or org.rep,
        lines=lines,
        payment_term_days=term,
        concessions=concessions,
    )


def test_a_product_line_takes_its_list_price_and_the_totals_are_exact(org, wms):
    service = make_product("IMPL", "实施服务 implementation", family="", list_price="33333.33")
    quote = propose(
        org,
        [
            {"product_id": wms.pk, "quantity": 2, "discount_pct": "7.5"},
            {"product_id": service.pk, "quantity": 3, "discount_pct": "0"},
            {"description": "差旅 travel", "list_price": "1999.99", "discount_pct": "0"},
        ],
    )
    first, impl, travel = quote.lines.all()
    assert (first.description, first.list_price, first.floor_price) == (
        "WMS 仓储管理系统 licence",
        Decimal("100000.00"),
        Decimal("60000.00"),
    )
    assert first.net_price == Decimal("92500.00") and impl.floor_price is None
    assert quote.subtotal == Decimal("301999.98")
    assert quote.discount_amount == Decimal("15000.00")
    assert quote.total == Decimal("286999.98")
    assert quote.money(quote.total) == "¥286,999.98"
    assert (quote.number, quote.revision, quote.status) == (1, 1, "approved")
    assert propose(org, [{"product_id": wms.pk}], deal=quote.deal).number == 2


BAD_INPUT = [
    ({"discount_pct": "120"}, "invalid", "lines[1].discount_pct"),
    ({"discount_pct": "-1"}, "invalid", "lines[1].discount_pct"),
    ({"list_price": "90000"}, "invalid", "lines[1].list_price"),
    ({"product_id": 999_999}, "invalid", "lines[1].product_id"),
    ({"quantity": 0}, "invalid", "lines[1].quantity"),
    # no approval path: under the floor, beyond the director
    ({"discount_pct": "36"}, "beyond_policy", "lines[1].discount_pct"),
]


@pytest.mark.parametrize(("change", "code", "where"), BAD_INPUT)
def test_bad_input_is_refused_where_it_is_and_nothing_is_written(org, wms, change, code, where):
    deal = make_deal(org.rep)
    lines = [
        {"product_id": wms.pk, "discount_pct": "5"},
        {"product_id": wms.pk, "discount_pct": "5", **change},
    ]
    for make in (quote_create, quote_propose):
        with pytest.raises(DomainError) as refused:
            make(deal=deal, by=org.rep, lines=lines)
        assert refused.value.code == code
        assert where in refused.value.fields
    assert not Quote.objects.exists() and not QuoteLine.objects.exists()


HUGE = "999999999999.99"  # the most an amount column holds (14 digits, to the cent)
TOO_MUCH = [
    # a free line's price beyond the column; a line or a quote that comes to more than it holds
    ([{"description": "x", "list_price": "1000000000000.00"}], "lines[0].list_price"),
    ([{"description": "x", "list_price": HUGE, "quantity": 2}], "lines[0].quantity"),
    ([{"description": "x", "list_price": HUGE, "quantity": 1_000_000}], "lines[0].quantity"),
    (
        [{"description": "x", "list_price": HUGE}, {"description": "y", "list_price": "0.01"}],
        "lines",
    ),
    ([{"description": "x", "list_price": "1", "quantity": "²"}], "lines[0].quantity"),
]


@pytest.mark.parametrize(("lines", "where"), TOO_MUCH)
def test_amounts_beyond_what_is_stored_are_refused_at_their_line(org, lines, where):
    # two free lines at 999,999,999,999.99 x 1,000,000 were accepted, approved and sent, and
    # the contract made from the quote answered 500 (its amount holds 14 digits)
    deal = make_deal(org.rep)
    with pytest.raises(DomainError) as refused:
        quote_propose(deal=deal, by=org.rep, lines=lines)
    assert refused.value.code == "invalid" and where in refused.value.fields, refused.value.fields
    assert not Quote.objects.exists()
    most = quote_propose(deal=deal, by=org.rep, lines=[{"description": "x", "list_price": HUGE}])
    assert most.total == Decimal(HUGE)


def test_a_price_below_the_floor_says_which_line_and_why(org, wms):
    make_policy(product=make_product("WMS-PRO", "WMS 专业版", family="wms"), floor="80000")
    pro = policy_of(make_product("WMS-X", "other", family="wms"))  # family policy applies
    assert pro.family == "wms"
    deal = make_deal(org.rep)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        quote_create(
            deal=deal,
            by=org.rep,
            lines=[{"product_id": wms.pk}, {"product_id": wms.pk + 1, "discount_pct": "25"}],
        )
    message = refused.value.fields["lines[1].discount_pct"]
    assert "Line 2 (WMS 专业版)" in message and "¥75,000.00" in message
    assert "¥80,000.00" in message
    assert not Quote.objects.exists()


def test_term_beyond_the_cap_and_unknown_concessions_are_refused(org, wms):
    deal = make_deal(org.rep)
    for term, concessions, where in (
        (121, (), "payment_term_days"),
        (30, ("golf",), "concessions[0]"),
        (721, (), "payment_term_days"),
    ):
        with pytest.raises(DomainError) as refused:
            quote_create(
                deal=deal,
                by=org.rep,
                lines=[{"product_id": wms.pk}],
                payment_term_days=term,
                concessions=concessions,
            )
        assert where in refused.value.fields
    assert not Quote.objects.exists()


def test_a_product_priced_in_another_currency_is_refused(org, wms):
    with pytest.raises(DomainError) as refused:
        quote_create(
            deal=make_deal(org.rep), by=org.rep, lines=[{"product_id": wms.pk}], currency="USD"
        )
    assert "lines[0].product_id" in refused.value.fields


def test_a_product_policy_wins_over_its_family(org, wms):
    own = make_policy(product=wms, rep="15", manager="25", director="40", floor=None)
    assert policy_of(wms) == own
    assert propose(org, [{"product_id": wms.pk, "discount_pct": "15"}]).status == "approved"


def test_a_submit_routes_again_under_the_current_policy(org, wms):
    draft = quote_create(
        deal=make_deal(org.rep), by=org.rep, lines=[{"product_id": wms.pk, "discount_pct": "30"}]
    )
    PricePolicy.objects.filter(family="wms").update(max_discount_director=25)
    with pytest.raises(DomainError) as refused:
        quote_submit(quote=draft, by=org.rep)
    assert refused.value.code == "beyond_policy"
    assert not Approval.objects.exists()
    draft.refresh_from_db()
    assert draft.status == "draft"


# Who decides what: the routed role, in the requester's team subtree for managers and directors.
@pytest.mark.parametrize(
    ("discount", "term", "concessions", "roles"),
    [
        ("5", 30, (), []),
        ("15", 30, (), ["manager"]),
        ("30", 30, (), ["director"]),
        ("5", 90, (), ["finance"]),
        ("30", 90, ("training",), ["director", "finance", "manager"]),
    ],
)
def test_each_approval_goes_to_its_role_and_only_that_role_decides(
    org, wms, discount, term, concessions, roles
):
    quote = propose(org, [{"product_id": wms.pk, "discount_pct": discount}], term, concessions)
    approvals = list(quote.approvals.order_by("role"))
    assert [a.role for a in approvals] == roles
    assert quote.status == ("pending" if roles else "approved")
    people = {"manager": org.manager, "director": org.director, "finance": org.finance}
    for approval in approvals:
        for name, person in people.items():
            if name != approval.role:
                with pytest.raises(DomainError) as refused:
                    approval_decide(approval=approval, by=person, approve=True)
                assert refused.value.code == "forbidden"
        with pytest.raises(DomainError):
            approval_decide(approval=approval, by=org.rep, approve=True)
        approval_decide(approval=approval, by=people[approval.role], approve=True, comment="ok")
    quote.refresh_from_db()
    assert quote.status == "approved"


def test_a_discount_approval_points_at_its_line_and_the_limit_passed(org, wms):
    quote = propose(
        org,
        [{"product_id": wms.pk, "discount_pct": "5"}, {"product_id": wms.pk, "discount_pct": "22"}],
    )
    approval = quote.approvals.get()
    assert approval.line == quote.lines.all()[1]
    assert (approval.role, approval.limit, approval.basis) == ("director", Decimal(20), "policy")


def test_decisions_are_audited_and_final(client, org, wms):
    quote = propose(org, [{"product_id": wms.pk, "discount_pct": "15"}])
    approval = quote.approvals.get()
    approval_decide(approval=approval, by=org.manager, approve=False, comment="价格太低")
    entry = LogEntry.objects.get_for_object(approval).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == org.manager
    assert entry.changes_dict["status"] == ["pending", "rejected"]
    assert entry.changes_dict["comment"] == ["", "价格太低"]
    assert LogEntry.objects.get_for_object(quote).filter(changes__icontains="rejected").exists()
    with pytest.raises(StaleWrite):
        approval_decide(approval=approval, by=org.manager, approve=True)
    approval.refresh_from_db()
    assert (approval.status, approval.comment) == ("rejected", "价格太低")
    # The admin shows decisions and does not change them, even for sales ops.
    admin_login(client, org.ops)
    url = f"/admin/pricing/approval/{approval.pk}/change/"
    assert client.get(url).status_code == 200
    client.post(url, {"status": "approved", "comment": "改"})
    approval.refresh_from_db()
    assert (approval.status, approval.comment) == ("rejected", "价格太低")
    assert (
        client.post(f"/admin/pricing/approval/{approval.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )


def test_a_rejection_voids_the_approvals_still_waiting(org, wms):
    # Found by the quote state machine: after a refusal the other approvals stayed pending,
    # in their approvers' queues and falling due, on a quote nobody could approve any more.
    quote = propose(org, [{"product_id": wms.pk, "discount_pct": "15"}], term=90)
    manager, finance = quote.approvals.get(role="manager"), quote.approvals.get(role="finance")
    approval_decide(approval=manager, by=org.manager, approve=False, comment="价格太低")
    finance.refresh_from_db()
    assert (finance.status, finance.due_at) == ("void", None) and finance.voided_at is not None
    assert not Approval.objects.filter(quote=quote, status="pending").exists()
    with translation.override("en"), pytest.raises(DomainError) as refused:
        approval_decide(approval=finance, by=org.finance, approve=True)
    assert refused.value.code == "void" and "rejected" in refused.value.message
    voided = LogEntry.objects.get_for_object(finance).filter(action=LogEntry.Action.UPDATE)
    assert voided.get().actor == org.manager


def test_a_revision_voids_the_old_approvals_and_keeps_the_old_revision(org, wms):
    first = propose(org, [{"product_id": wms.pk, "discount_pct": "15"}], term=90)
    manager_ok, finance_wait = (
        first.approvals.order_by("role")[1],
        first.approvals.get(role="finance"),
    )
    approval_decide(approval=manager_ok, by=org.manager, approve=True, comment="同意")
    second = quote_revise(
        quote=first,
        by=org.rep,
        lines=[{"product_id": wms.pk, "discount_pct": "12"}],
        payment_term_days=30,
    )
    assert (second.number, second.revision, second.status) == (1, 2, "pending")
    first.refresh_from_db()
    manager_ok.refresh_from_db()
    finance_wait.refresh_from_db()
    assert first.status == "superseded" and first.lines.get().discount_pct == 15
    # the decision stays as it was made, marked void; the undecided one is void
    assert (manager_ok.status, manager_ok.comment) == ("approved", "同意")
    assert manager_ok.voided_at is not None
    assert (finance_wait.status, finance_wait.due_at) == ("void", None)
    with pytest.raises(DomainError) as refused:
        approval_decide(approval=finance_wait, by=org.finance, approve=True)
    assert refused.value.code == "void"
    with pytest.raises(DomainError) as refused:
        quote_revise(quote=first, by=org.rep, lines=[{"product_id": wms.pk}], payment_term_days=30)
    assert refused.value.code == "superseded"
    # only the newest revision counts for the gate
    stage = active_playbook().stage("negotiation")
    assert within_policy_or_approved(GateContext(deal=second.deal, stage=stage)) is not None
    approval_decide(approval=second.approvals.get(), by=org.manager, approve=True)
    assert within_policy_or_approved(GateContext(deal=second.deal, stage=stage)) is None


def test_a_refused_revision_leaves_the_old_one_as_it_was(org, wms):
    first = propose(org, [{"product_id": wms.pk, "discount_pct": "15"}])
    with pytest.raises(DomainError):
        quote_revise(
            quote=first,
            by=org.rep,
            lines=[{"product_id": wms.pk, "discount_pct": "50"}],
            payment_term_days=30,
        )
    assert Quote.objects.get().status == "pending"
    assert Approval.objects.get().status == "pending"


def test_only_an_approved_quote_is_sent_once(org, wms):
    quote = propose(org, [{"product_id": wms.pk, "discount_pct": "15"}])
    with pytest.raises(DomainError) as refused:
        quote_send(quote=quote, by=org.rep)
    assert refused.value.code == "not_approved"
    approval_decide(approval=quote.approvals.get(), by=org.manager, approve=True)
    quote.refresh_from_db()
    quote_send(quote=quote, by=org.rep)
    quote.refresh_from_db()
    assert quote.sent_at is not None and quote.sent_by == org.rep
    with pytest.raises(DomainError):
        quote_send(quote=quote, by=org.rep)


def test_policy_validation(org):
    product = make_product(list_price="1000")
    cases = [
        ({"floor_price": Decimal("1200")}, "floor_price"),
        ({"max_discount_rep": Decimal(30)}, "max_discount_manager"),
        ({"max_discount_director": Decimal(15)}, "max_discount_director"),
        ({"max_discount_director": Decimal(120)}, "max_discount_director"),
        ({"hard_payment_term_days": 30}, "hard_payment_term_days"),
        ({"family": "wms"}, "family"),
    ]
    from django.core.exceptions import ValidationError

    for change, field in cases:
        policy = PricePolicy(
            product=product,
            floor_price=Decimal("500"),
            max_discount_rep=Decimal(10),
            max_discount_manager=Decimal(20),
            max_discount_director=Decimal(30),
            max_payment_term_days=60,
            hard_payment_term_days=90,
        )
        for name, value in change.items():
            setattr(policy, name, value)
        with pytest.raises(ValidationError) as invalid:
            policy.full_clean()
        assert field in invalid.value.message_dict, change


def test_a_yen_quote_is_in_whole_yen(org):
    # a JPY line at 1000.50 was accepted, and a discount left fractions of a yen in its total
    deal = make_deal(org.rep)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        quote_propose(
            deal=deal,
            by=org.rep,
            currency="JPY",
            lines=[{"description": "導入支援", "list_price": "1000.50"}],
        )
    # the yen's smallest unit, as the reader's language writes the yen (CLDR: ¥ in English,
    # where the yuan is CN¥; JP¥ in Chinese, where it is ¥)
    assert "in steps of ¥1." in refused.value.fields["lines[0].list_price"]
    quote = quote_propose(
        deal=deal,
        by=org.rep,
        currency="JPY",
        lines=[{"description": "導入支援", "list_price": "1001", "discount_pct": "7.5"}],
    )
    line = quote.lines.get()
    assert line.net_price == Decimal("926") and quote.total == Decimal("926")
    assert quote.money(quote.total) == "JP¥926"
