from datetime import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import StrictBool

from salesop.core.api import DecimalIn, IdIn, Percent, StrictIn, StrictInt
from salesop.core.money import Currency

Money = DecimalIn()


class LineIn(StrictIn):
    """A product line (`product_id`; the list price is the product's, the description defaults
    to its name) or a free line (`description` and `list_price`)."""

    product_id: IdIn | None = None
    description: str = Field(default="", max_length=200)
    list_price: Money | None = None
    quantity: StrictInt = Field(default=1, ge=1, le=1_000_000)
    discount_pct: Percent = Decimal(0)


class QuoteIn(StrictIn):
    lines: list[LineIn] = Field(min_length=1, max_length=200)
    payment_term_days: StrictInt = Field(default=30, ge=0, le=720)
    currency: Currency = Currency.CNY
    concessions: list[Annotated[str, Field(max_length=40)]] = Field(default=[], max_length=20)


class ReviseIn(StrictIn):
    lines: list[LineIn] = Field(min_length=1, max_length=200)
    payment_term_days: StrictInt = Field(default=30, ge=0, le=720)
    concessions: list[Annotated[str, Field(max_length=40)]] = Field(default=[], max_length=20)


class LineOut(Schema):
    id: int
    product_id: int | None
    description: str
    list_price: Decimal
    quantity: int
    discount_pct: Decimal
    net_price: Decimal
    amount: Decimal
    net_amount: Decimal
    floor_price: Decimal | None


class ApprovalOut(Schema):
    id: int
    quote_id: int
    line_id: int | None
    subject: str
    value: Decimal | None
    limit: Decimal | None
    basis: str
    detail: str
    role: str
    status: str
    owner_id: int
    requested_at: datetime
    decided_by_id: int | None
    decided_at: datetime | None
    comment: str
    voided_at: datetime | None


class ApprovalQueueOut(ApprovalOut):
    """An approval in the caller's queue, as the approvals page shows it."""

    detail_label: str = Field(description="a concession's label; else the detail as stored")
    reason: str = Field(description="why the approval went to its role, for the approver")
    decidable: bool = Field(description="whether the caller decides it")


class ConcessionOut(Schema):
    key: str
    label_zh: str
    label_en: str
    needs_approval: bool


class QuoteOut(Schema):
    id: int
    deal_id: int
    number: int
    revision: int
    currency: str
    payment_term_days: int
    status: str
    created_at: datetime
    sent_at: datetime | None
    subtotal: Decimal
    discount_amount: Decimal
    total: Decimal
    concessions: list[ConcessionOut]
    lines: list[LineOut]
    approvals: list[ApprovalOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())

    @staticmethod
    def resolve_approvals(obj):
        return list(obj.approvals.all())


class DecideIn(StrictIn):
    approve: StrictBool
    comment: str = Field(default="", max_length=500)


class PolicyOut(Schema):
    id: int
    product_id: int | None
    family: str
    floor_price: Decimal | None
    max_discount_rep: Decimal
    max_discount_manager: Decimal
    max_discount_director: Decimal
    max_payment_term_days: int
    hard_payment_term_days: int
    concessions: list[ConcessionOut]

    @staticmethod
    def resolve_concessions(obj):
        return list(obj.concessions.all())


class ProductOut(Schema):
    id: int
    code: str
    name: str
    family: str
    list_price: Decimal
    currency: str
    active: bool


class ProductDetailOut(ProductOut):
    policy: PolicyOut | None
