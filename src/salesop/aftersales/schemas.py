from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StrictBool

from salesop.core.api import ExpectedVersion, IdIn, StrictIn
from salesop.playbook.schemas import WithCustom


class MemberOut(Schema):
    role: str
    user_id: int
    user: str

    @staticmethod
    def resolve_user(obj):
        return str(obj.user)


class MilestoneOut(Schema):
    id: int
    key: str
    title: str
    due_on: date
    done_on: date | None


class ProjectOut(WithCustom):
    id: int
    name: str
    deal_id: int
    account_id: int
    owner_id: int
    status: str
    health: str
    started_on: date
    update_due_at: datetime | None


class ProjectDetailOut(ProjectOut):
    members: list[MemberOut]
    milestones: list[MilestoneOut]
    missing_roles: list[str]


class UpdateOut(Schema):
    id: int
    week: date
    text: str
    language: str
    status: str
    recipients: str
    sent_at: datetime | None


class UpdateSendIn(StrictIn):
    text: Annotated[str, Field(min_length=1, max_length=5000)]
    recipients: list[Annotated[str, Field(max_length=254)]] = Field(default=[], max_length=20)
    email: StrictBool = True


class TicketIn(StrictIn):
    account_id: IdIn
    project_id: IdIn | None = None
    channel: Literal["phone", "email", "wechat", "portal", "onsite"]
    severity: Annotated[str, Field(min_length=1, max_length=32)]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(min_length=1, max_length=5000)]
    reporter: str = Field(default="", max_length=100)
    opened_at: datetime | None = None


class TicketOut(WithCustom):
    id: int
    number: str
    account_id: int
    project_id: int | None
    owner_id: int
    channel: str
    severity: str
    title: str
    status: str
    opened_at: datetime
    first_response_due_at: datetime
    responded_at: datetime | None
    response_breach_seconds: int | None
    direction_due_at: datetime
    direction_at: datetime | None
    direction_breach_seconds: int | None
    direction: str
    resolved_at: datetime | None
    version: int


class ResponseIn(StrictIn):
    body: Annotated[str, Field(min_length=1, max_length=5000)]
    at: datetime | None = None
    expected_version: ExpectedVersion | None = Field(
        default=None, description="The version you read; 409 if the ticket changed since."
    )


class DirectionIn(StrictIn):
    direction: Annotated[str, Field(min_length=1, max_length=5000)]
    at: datetime | None = None
    expected_version: ExpectedVersion | None = Field(
        default=None, description="The version you read; 409 if the ticket changed since."
    )


class TicketResolveIn(StrictIn):
    expected_version: ExpectedVersion | None = Field(
        default=None, description="The version you read; 409 if the ticket changed since."
    )


class SurveyIn(StrictIn):
    ticket_id: IdIn | None = None
    milestone_id: IdIn | None = None
    email: str = Field(default="", max_length=254)


class SurveyOut(Schema):
    id: int
    trigger: str
    link: str
    expires_at: datetime


class RevisitOut(Schema):
    id: int
    account_id: int
    owner_id: int
    due_on: date
    status: str
    form: str
    done_on: date | None
    product_experience: str
    new_needs: str
    competitor_news: str
    competitor: str


class RevisitIn(StrictIn):
    form: Literal["visit", "questionnaire", "salon"]
    product_experience: str = Field(default="", max_length=5000)
    new_needs: str = Field(default="", max_length=5000)
    competitor_news: str = Field(default="", max_length=5000)
    competitor: str = Field(default="", max_length=100)
    done_on: date | None = None


class FollowUpIn(StrictIn):
    as_: Literal["deal", "lead"] = Field(alias="as")


class OpportunityOut(Schema):
    id: int
    source: str
    deal_id: int | None
    lead_id: int | None
    reason: str


class RecommendationOut(Schema):
    product_id: int
    product: str
    reason: str
    source: str


class GrowthOut(Schema):
    stage: str
    suggested_stage: str | None
    suggestion_reason: str
    recommendations: list[RecommendationOut]


class GrowthIn(StrictIn):
    stage: Literal["onboarding", "stable", "expansion", "transformation", "at_risk"]
    reason: str = Field(default="", max_length=300)


class AcceptIn(StrictIn):
    product_id: IdIn
    reason: str = Field(default="", max_length=300)


class ChurnIn(StrictIn):
    reason: str = Field(min_length=1, max_length=32, description="a churn reason of the playbook")
    competitor: str = Field(default="", max_length=100)
    note: str = Field(default="", max_length=2000)


class ChurnOut(Schema):
    id: int
    account_id: int
    reason: str
    competitor: str
    note: str
    at: datetime
