from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema
from pydantic import StrictBool

from salesop.activities.models import Outcome
from salesop.core.api import DecimalIn, IdIn, StrictIn, StrictInt
from salesop.core.money import Currency
from salesop.deals.models import ObjectionCategory, ProposalAudience

# Signs and zero are left to the services, which say what is wrong under the field's path.
Figure = DecimalIn(signed=True)


class ValueRowIn(StrictIn):
    pain: str = Field(max_length=300)
    solution: str = Field(max_length=2000)
    value: str = Field(max_length=300, description="What it is worth, in words.")
    amount: Figure | None = Field(default=None, description="The quantified figure.")
    unit: str = Field(
        default="", max_length=20, description="A currency code or a unit (天, %, hours)."
    )
    need_id: IdIn | None = Field(default=None, description="A need recorded on the deal.")


class RowsIn(StrictIn):
    rows: list[ValueRowIn] = Field(max_length=30)


class ValueRowOut(Schema):
    id: int
    position: int
    need_id: int | None
    pain: str
    solution: str
    value: str
    amount: Decimal | None
    unit: str


class BenefitIn(StrictIn):
    label: str = Field(max_length=100)
    amount: Figure


class RoiIn(StrictIn):
    investment: Figure
    benefits: list[BenefitIn] = Field(max_length=20)
    horizon_years: StrictInt = Field(default=3, ge=1, le=10)
    currency: Currency | None = None


class BenefitOut(Schema):
    label: str
    amount: Decimal


class RoiOut(Schema):
    investment: Decimal
    benefits: list[BenefitOut]
    horizon_years: int
    yearly_benefit: Decimal
    total_benefit: Decimal
    payback_months: Decimal | None
    roi_pct: Decimal | None
    message: str


class ProposalIn(StrictIn):
    title: str = Field(default="", max_length=200)
    audience: ProposalAudience | None = None


class ProposalSummaryOut(Schema):
    id: int
    deal_id: int
    number: int
    title: str
    audience: str
    status: str
    delivered_at: datetime | None
    created_at: datetime
    row_count: int


class ProposalOut(Schema):
    id: int
    deal_id: int
    number: int
    title: str
    audience: str
    status: str
    currency: str
    delivered_at: datetime | None
    created_at: datetime
    rows: list[ValueRowOut]
    roi: RoiOut | None


class PresentIn(StrictIn):
    duration_minutes: StrictInt = Field(ge=1, le=24 * 60, description="How long it took.")
    outcome: Outcome = Outcome.POSITIVE
    occurred_at: datetime | None = None
    notes: str = Field(default="", max_length=5000)


class ObjectionEntryOut(Schema):
    id: int
    category: str
    industry: str
    objection: str
    acknowledge: str
    answer: str
    evidence: str


class DealObjectionIn(StrictIn):
    customer_words: str = Field(max_length=2000)
    category: ObjectionCategory | None = None
    entry_id: IdIn | None = Field(default=None, description="The library answer used.")
    answer_used: str = Field(default="", max_length=2000)
    resolved: StrictBool = False


class ResolveIn(StrictIn):
    answer_used: str = Field(default="", max_length=2000)
    resolved: StrictBool = True


class DealObjectionOut(Schema):
    id: int
    deal_id: int
    entry_id: int | None
    category: str
    customer_words: str
    answer_used: str
    resolved: bool
    resolved_at: datetime | None
    raised_at: datetime
    by_id: int | None
