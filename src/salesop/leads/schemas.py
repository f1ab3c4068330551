from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import StrictBool

from salesop.core.api import DecimalIn, ExpectedVersion, IdIn, StrictIn
from salesop.core.money import Currency
from salesop.customers.models import EmployeeBand
from salesop.leads.models import ChannelCategory, ChannelKind

Short = Annotated[str, Field(max_length=100)]
Amount = DecimalIn()


class ChannelOut(Schema):
    id: int
    name: str
    category: ChannelCategory
    kind: ChannelKind
    is_active: bool


class LeadOut(Schema):
    id: int
    status: str
    channel_id: int
    company_name: str
    contact_name: str
    title: str
    phone: str
    phone_e164: str
    email: str
    wechat: str
    industry: str
    region: str
    employee_band: str
    budget: Decimal | None
    budget_currency: Currency
    score: int | None
    grade: str
    icp_fit: float | None
    win_probability: float | None
    bant: dict
    pain_tags: list[str]
    owner_id: int
    team_id: int | None
    account_id: int | None
    deal_id: int | None
    first_contacted_at: datetime | None
    last_activity_at: datetime | None
    next_touch_at: datetime | None
    disqualify_reason: str
    version: int
    created_at: datetime


class LeadPage(Schema):
    items: list[LeadOut]
    next_cursor: str | None


class LeadFields(StrictIn):
    contact_name: Short = ""
    title: Short = ""
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=254)
    wechat: str = Field(default="", max_length=64)
    industry: Short = ""
    region: Short = ""
    employee_band: EmployeeBand | None = None
    notes: str = Field(default="", max_length=5000)
    budget: Amount | None = None
    budget_currency: Currency = Currency.CNY


class LeadIn(LeadFields):
    company_name: str = Field(min_length=1, max_length=200)
    channel_id: IdIn
    allow_duplicate: StrictBool = False


class IntakeIn(LeadFields):
    company_name: str = Field(min_length=1, max_length=200)


class LeadPatch(StrictIn):
    company_name: str = Field(default=None, min_length=1, max_length=200)
    contact_name: Short = Field(default=None)
    title: Short = Field(default=None)
    phone: str = Field(default=None, max_length=40)
    email: str = Field(default=None, max_length=254)
    wechat: str = Field(default=None, max_length=64)
    industry: Short = Field(default=None)
    region: Short = Field(default=None)
    notes: str = Field(default=None, max_length=5000)
    budget: Amount | None = Field(default=None)
    budget_currency: Currency = Field(default=None)


class QualifyIn(StrictIn):
    bant: dict[str, str]
    pain_tags: list[Annotated[str, Field(max_length=40)]] = Field(default=[], max_length=20)
    expected_version: ExpectedVersion | None = None


class FactorOut(Schema):
    key: str
    label: str
    level: str
    level_label: str
    points: int
    weight: int
    contribution: float


class ScoreOut(Schema):
    total: int
    grade: str
    factors: list[FactorOut]


class DisqualifyIn(StrictIn):
    reason: str = Field(min_length=1, max_length=32)
    note: str = Field(default="", max_length=300)


class AssignIn(StrictIn):
    owner_id: IdIn


class ConvertIn(StrictIn):
    deal_name: str = Field(min_length=1, max_length=200)
    amount: DecimalIn() | None = None
    currency: Currency = Currency.CNY
    expected_close_date: date | None = None


class IntakeOut(Schema):
    id: int
    created: bool
