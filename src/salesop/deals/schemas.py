from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema
from pydantic import StrictBool

from salesop.core.api import DecimalIn, ExpectedVersion, IdIn, StrictIn
from salesop.core.money import Currency
from salesop.customers.schemas import UserRef
from salesop.playbook.schemas import WithCustom

Amount = DecimalIn()


class AccountRef(Schema):
    id: int
    name: str


class DealOut(WithCustom):
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
    lost_to: str
    closed_at: datetime | None
    version: int
    created_at: datetime


class DealPage(Schema):
    items: list[DealOut]
    next_cursor: str | None


class DealIn(StrictIn):
    account_id: IdIn
    name: str = Field(min_length=1, max_length=200)
    amount: Amount | None = None
    currency: Currency = Currency.CNY
    expected_close_date: date | None = None


class DealPatch(StrictIn):
    name: str = Field(default=None, min_length=1, max_length=200)
    amount: Amount | None = Field(default=None)
    currency: Currency = Field(default=None)
    expected_close_date: date | None = Field(default=None)
    expected_version: ExpectedVersion | None = Field(
        default=None, description="The version you read; 409 if the deal changed since."
    )


class MoveIn(StrictIn):
    to_stage: str = Field(min_length=1, max_length=32)
    override_reason: str = Field(default="", max_length=2000)
    expected_version: ExpectedVersion | None = None


class LostIn(StrictIn):
    reason: str = Field(min_length=1, max_length=32)
    competitor: str = Field(default="", max_length=100, description="who won it, if anyone")
    note: str = Field(default="", max_length=2000)
    expected_version: ExpectedVersion | None = None


class ReopenIn(StrictIn):
    reason: str = Field(min_length=1, max_length=2000)
    expected_version: ExpectedVersion | None = None


class TickIn(StrictIn):
    stage: str = Field(min_length=1, max_length=32)
    item: str = Field(min_length=1, max_length=32)
    done: StrictBool = True


class GateFailureOut(Schema):
    stage: str
    criterion: str
    item: str = Field(description="the checklist item it is, when it is one")
    key: str = Field(description="how a refused move names it in `errors`")
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
    # An item its evidence ticks (never ticked by a call): what ticks it, and what is missing.
    evidence: str = ""
    missing: str = ""


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


# --- Discovery and decision chain --------------------------------------------------------------

NeedKindIn = Literal["feature", "budget", "strategic_goal", "hidden_pain"]
RoleIn = Literal[
    "decision_maker",
    "finance",
    "purchasing",
    "technical",
    "user_department",
    "influencer",
    "champion",
    "blocker",
]
AttitudeIn = Literal["supporter", "neutral", "sceptic", "opponent", "unknown"]


class NeedIn(StrictIn):
    kind: NeedKindIn
    summary: str = Field(default="", max_length=300)
    customer_words: str = Field(default="", max_length=2000)
    budget_min: Amount | None = None
    budget_max: Amount | None = None


class NeedOut(Schema):
    id: int
    kind: str
    layer: str
    summary: str
    customer_words: str
    budget_min: Decimal | None
    budget_max: Decimal | None
    confirmed: bool


class KeywordIn(StrictIn):
    term: str = Field(min_length=1, max_length=40)
    is_pain: StrictBool = False


class KeywordConfirmIn(StrictIn):
    confirmed: StrictBool
    is_pain: StrictBool = False


class KeywordOut(Schema):
    id: int
    term: str
    weight: float
    confirmed: bool
    is_pain: bool


class QuestionIn(StrictIn):
    text: str = Field(min_length=1, max_length=300)
    layer: Literal["surface", "deep"]
    industry: str = Field(default="", max_length=100)


class QuestionOut(Schema):
    id: int
    text: str
    layer: str
    industry: str
    is_open: bool
    active: bool


class CallPlanIn(StrictIn):
    question_ids: list[IdIn] = Field(min_length=1, max_length=50)


class CallPlanItemOut(Schema):
    id: int
    question: QuestionOut
    answer: str


class TranscriptIn(StrictIn):
    text: str = Field(min_length=1, max_length=1_000_000)
    rep_speaker: str = Field(min_length=1, max_length=60)
    filename: str = Field(default="", max_length=200)


class TranscriptOut(Schema):
    id: int
    filename: str
    rep_speaker: str
    speakers: dict[str, int]
    rep_share_pct: Decimal
    open_questions: int
    closed_questions: int
    uploaded_at: datetime


class PrepIn(StrictIn):
    industry_news: str = Field(default="", max_length=5000)
    competitor_moves: str = Field(default="", max_length=5000)


class RecapGenerateIn(StrictIn):
    language: Literal["zh-hans", "en"] | None = None


class RecapIn(StrictIn):
    text: str = Field(min_length=1, max_length=5000)


class RecapConfirmIn(StrictIn):
    note: str = Field(default="", max_length=300)


class RecapLinkIn(StrictIn):
    contact_id: IdIn


class RecapLinkOut(Schema):
    """A one-time link sent for the customer to confirm or correct the recap: `url` is shown
    this once (only its hash is kept)."""

    id: int
    url: str
    contact_id: int | None
    sent_at: datetime
    expires_at: datetime


class DiscoveryOut(Schema):
    industry_news: str
    competitor_moves: str
    recap_text: str
    recap_language: str
    recap_status: str
    recap_sent_at: datetime | None
    recap_confirmed_at: datetime | None
    recap_confirmed_note: str
    recap_correction: str
    needs: list[NeedOut]
    keywords: list[KeywordOut]
    call_plan: list[CallPlanItemOut]
    transcripts: list[TranscriptOut]


class ContactRef(Schema):
    id: int
    name: str
    title: str


class StakeholderIn(StrictIn):
    role: RoleIn
    contact_id: IdIn | None = None
    new_contact_name: str = Field(default="", max_length=100)
    new_contact_title: str = Field(default="", max_length=100)
    attitude: AttitudeIn = "unknown"
    last_engaged_at: datetime | None = None
    notes: str = Field(default="", max_length=500)


class EngagedIn(StrictIn):
    at: datetime | None = None


class StakeholderOut(Schema):
    id: int
    contact: ContactRef
    role: str
    attitude: str
    last_engaged_at: datetime | None
    notes: str
    emphasis: str = ""
