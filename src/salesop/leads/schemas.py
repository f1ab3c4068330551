from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import StrictBool, WithJsonSchema

from salesop.core.api import BIGGEST, DecimalIn, ExpectedVersion, IdIn, StrictIn
from salesop.core.money import Currency
from salesop.customers.models import EmployeeBand
from salesop.leads.models import ChannelCategory, ChannelKind, ImportStatus
from salesop.playbook.schemas import WithCustom

Short = Annotated[str, Field(max_length=100)]
Amount = DecimalIn()


class ChannelOut(Schema):
    id: int
    name: str
    category: ChannelCategory
    kind: ChannelKind
    is_active: bool


class LeadOut(WithCustom):
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
    employee_band: Literal[("", *EmployeeBand.values)] | None = Field(  # type: ignore[valid-type]
        default=None, description='one of the bands; "" or null clears it'
    )
    expected_version: ExpectedVersion | None = None


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


class ImportIn(Schema):
    """The options of an import, as multipart form fields beside its `file` (those of
    `salesop import`)."""

    kind: str = Field(
        default="",
        max_length=16,
        description="What the file holds: leads, accounts or deals (history).",
    )
    # a form field is absent or a number: the schema says no null, which a form cannot send
    channel_id: Annotated[
        int | None, WithJsonSchema({"type": "integer", "minimum": 1, "maximum": BIGGEST})
    ] = Field(
        default=None, ge=1, le=BIGGEST, description="Leads: the channel they came from (required)."
    )
    mapping: str = Field(
        default="",
        max_length=50_000,
        description='A JSON object {"column in the file": "field"}, added over the mapping '
        'guessed from the header (or remembered for it); a column mapped to "" is left out.',
    )
    value_map: str = Field(
        default="",
        max_length=50_000,
        description='A JSON object {"field": {"value in the file": "ours"}}, e.g. '
        '{"stage": {"Prospecting": "discovery"}}.',
    )
    dedupe: Literal["skip", "merge", "create"] = "skip"
    valid_only: bool = Field(
        default=False,
        description="Import the valid rows and report the others (default: nothing unless "
        "every row is valid).",
    )
    dry_run: bool = Field(default=False, description="Check and count; write nothing.")
    date_order: Literal["ymd", "dmy", "mdy"] = Field(
        default="ymd", description="How dates like 01-03-24 read."
    )
    create_owners: bool = Field(
        default=False, description="Deals: create owners the file names as inactive users."
    )


class ImportErrorOut(Schema):
    row: int
    column: str
    reason: str


class ImportOut(Schema):
    id: int
    kind: str
    original_name: str
    status: ImportStatus
    dry_run: bool
    all_or_nothing: bool
    dedupe: str
    mapping: dict[str, str]
    value_map: dict[str, dict[str, str]]
    total_rows: int
    processed_rows: int
    committed_row: int = Field(
        description="The file row up to which a valid-rows import's work is in: a resumed "
        "import starts after it."
    )
    created: int = Field(alias="created_count")
    merged: int = Field(alias="merged_count")
    skipped: int = Field(alias="skipped_count")
    error_rows: int = Field(alias="error_count")
    errors: list[ImportErrorOut] = Field(description="The first 200 row errors.")
    error_report: str | None = Field(
        description="Where the error report (CSV, every row error) is downloaded from."
    )
    message: str
    resumable: bool = Field(description="It stopped before its end: POST .../resume.")
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_error_report(obj) -> str | None:
        if not obj.error_report:
            return None
        return reverse("api:imports_errors", kwargs={"job_id": obj.pk})
