from datetime import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import StrictBool, StrictInt

from salesop.core.api import StrictIn
from salesop.core.money import Currency

Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class LineIn(StrictIn):
    description: str = Field(min_length=1, max_length=200)
    list_price: Money
    quantity: StrictInt = Field(default=1, ge=1, le=1_000_000)
    discount_pct: Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)] = Decimal(
        0
    )


class QuoteIn(StrictIn):
    lines: list[LineIn] = Field(min_length=1, max_length=200)
    payment_term_days: StrictInt = Field(default=30, ge=0, le=720)
    currency: Currency = Currency.CNY


class LineOut(Schema):
    description: str
    list_price: Decimal
    quantity: int
    discount_pct: Decimal


class ApprovalOut(Schema):
    id: int
    quote_id: int
    subject: str
    value: Decimal
    role: str
    status: str
    owner_id: int
    requested_at: datetime
    decided_by_id: int | None
    decided_at: datetime | None
    comment: str


class QuoteOut(Schema):
    id: int
    deal_id: int
    currency: str
    payment_term_days: int
    status: str
    created_at: datetime
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
