from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import StrictBool, StrictInt

from salesop.core.api import StrictIn
from salesop.core.money import Currency
from salesop.customers.schemas import UserRef

Amount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class AccountRef(Schema):
    id: int
    name: str


class DealOut(Schema):
    id: int
    name: str
    account: AccountRef
    owner: UserRef
    team_id: int | None
    amount: Decimal | None
    currency: Currency
    expected_close_date: date | None
    stage: str
    status: str
    probability: int
    playbook_version_id: int
    stage_entered_at: datetime
    lost_reason: str
    closed_at: datetime | None
    version: int
    created_at: datetime


class DealPage(Schema):
    items: list[DealOut]
    next_cursor: str | None


class DealIn(StrictIn):
    account_id: StrictInt
    name: str = Field(min_length=1, max_length=200)
    amount: Amount | None = None
    currency: Currency = Currency.CNY
    expected_close_date: date | None = None


class DealPatch(StrictIn):
    name: str = Field(default=None, min_length=1, max_length=200)
    amount: Amount | None = Field(default=None)
    currency: Currency = Field(default=None)
    expected_close_date: date | None = Field(default=None)
    expected_version: StrictInt | None = Field(
        default=None, description="The version you read; 409 if the deal changed since."
    )


class MoveIn(StrictIn):
    to_stage: str = Field(min_length=1, max_length=32)
    override_reason: str = Field(default="", max_length=2000)
    expected_version: StrictInt | None = None


class LostIn(StrictIn):
    reason: str = Field(min_length=1, max_length=32)
    note: str = Field(default="", max_length=2000)
    expected_version: StrictInt | None = None


class ReopenIn(StrictIn):
    reason: str = Field(min_length=1, max_length=2000)
    expected_version: StrictInt | None = None


class TickIn(StrictIn):
    stage: str = Field(min_length=1, max_length=32)
    item: str = Field(min_length=1, max_length=32)
    done: StrictBool = True


class GateFailureOut(Schema):
    stage: str
    criterion: str
    message: str


class GateOut(Schema):
    to_stage: str
    allowed: bool
    failures: list[GateFailureOut]


class ChecklistItemOut(Schema):
    stage: str
    item: str
    label: str
    done: bool
    by: str | None
    at: datetime | None


class StageEventOut(Schema):
    kind: str
    from_stage: str
    to_stage: str
    at: datetime
    by: str | None
    seconds_in_previous: int
    override_reason: str
    unmet: list[dict]
    reason: str


class DealDetailOut(DealOut):
    next_stages: list[str]
    checklist: list[ChecklistItemOut]
    history: list[StageEventOut]
