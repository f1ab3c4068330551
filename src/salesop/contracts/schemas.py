from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StrictBool

from salesop.core.api import ExpectedVersion, IdIn, StrictIn

Key = Annotated[str, Field(min_length=1, max_length=40)]


class TemplateClauseIn(StrictIn):
    key: Annotated[str, Field(min_length=1, max_length=32)]
    title: Annotated[str, Field(min_length=1, max_length=100)]
    text: Annotated[str, Field(min_length=1, max_length=10000)]
    risk: Literal["standard", "special"] = "standard"


class TemplateIn(StrictIn):
    """A new version of the template `code` (version 1 if the code is new); the Word file
    is kept from the previous version."""

    code: Annotated[str, Field(min_length=1, max_length=40)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    clauses: list[TemplateClauseIn] = Field(min_length=1, max_length=60)
    note: str = Field(default="", max_length=300)


class TemplateClauseOut(Schema):
    key: str
    title: str
    text: str
    risk: str


class TemplateOut(Schema):
    id: int
    code: str
    number: int
    name: str
    current: bool
    docx_name: str
    note: str
    created_at: datetime


class TemplateDetailOut(TemplateOut):
    clauses: list[TemplateClauseOut]

    @staticmethod
    def resolve_clauses(obj):
        return list(obj.clauses.all())


class ContractIn(StrictIn):
    quote_id: IdIn
    template_id: IdIn
    target_signing_date: date | None = None


class ContractOut(Schema):
    id: int
    number: str
    deal_id: int
    quote_id: int
    template_id: int
    status: str
    customer: str
    amount: Decimal
    currency: str
    payment_term_days: int
    target_signing_date: date | None
    cleared_at: datetime | None
    sent_at: datetime | None
    signed_at: datetime | None
    review_skipped: bool
    created_at: datetime
    version: int


class ClauseOut(Schema):
    key: str
    title: str
    risk: str
    standard_text: str
    text: str
    deviates: bool
    needs_review: bool


class DecisionOut(Schema):
    clause: str
    verdict: str
    comment: str
    proposed_text: str

    @staticmethod
    def resolve_clause(obj):
        return obj.clause.key


class ContractReviewOut(Schema):
    round: int
    submitted_at: datetime
    reasons: list[dict]
    reviewer: str | None
    decided_at: datetime | None
    outcome: str
    comment: str
    decisions: list[DecisionOut]

    @staticmethod
    def resolve_reviewer(obj):
        return str(obj.reviewer) if obj.reviewer_id else None

    @staticmethod
    def resolve_decisions(obj):
        return list(obj.decisions.all())


class FileOut(Schema):
    id: int
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str
    status: str
    created_at: datetime


class IncentiveOut(Schema):
    id: int
    key: str
    label: str
    valid_until: date
    status: str
    note: str
    offered_at: datetime


class ContractDetailOut(ContractOut):
    concessions: list[dict]
    documents_ready: list[str]
    documents_missing: list[str]
    clauses: list[ClauseOut]
    reviews: list[ContractReviewOut]
    files: list[FileOut]
    incentives: list[IncentiveOut]

    @staticmethod
    def resolve_incentives(obj):
        return obj.incentives_list


class ClausesIn(StrictIn):
    texts: dict[Annotated[str, Field(max_length=32)], Annotated[str, Field(max_length=10000)]] = (
        Field(min_length=1, max_length=60)
    )
    expected_version: ExpectedVersion | None = None


class ContractVersionIn(StrictIn):
    expected_version: ExpectedVersion | None = None


class DecisionIn(StrictIn):
    clause: Annotated[str, Field(min_length=1, max_length=32)]
    verdict: Literal["accept", "reject", "propose"]
    comment: str = Field(default="", max_length=2000)
    proposed_text: str = Field(default="", max_length=10000)


class ReviewIn(StrictIn):
    approve: StrictBool
    decisions: list[DecisionIn] = Field(default=[], max_length=60)
    comment: str = Field(default="", max_length=2000)
    expected_version: ExpectedVersion | None = None


class QueueOut(ContractOut):
    flagged: int
    rounds: int
    owner: str

    @staticmethod
    def resolve_owner(obj):
        return str(obj.deal.owner)


class ScheduleIn(StrictIn):
    target_signing_date: date | None
    expected_version: ExpectedVersion | None = None


class DocumentReadyIn(StrictIn):
    ready: StrictBool = True


class CancelIn(StrictIn):
    reason: Annotated[str, Field(min_length=1, max_length=300)]


class AllowedIncentiveOut(Schema):
    key: str
    label: str
    needs_approval: bool


class IncentiveIn(StrictIn):
    key: Key
    note: str = Field(default="", max_length=500)


class VerifyOut(Schema):
    matches: bool
    file: FileOut | None
