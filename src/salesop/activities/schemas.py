from datetime import datetime

from ninja import Field, Schema
from pydantic import StrictBool

from salesop.activities.models import ActivityKind, Outcome
from salesop.core.api import IdIn, StrictIn, StrictInt


class ActivityOut(Schema):
    id: int
    kind: ActivityKind
    subject: str
    notes: str
    occurred_at: datetime
    duration_minutes: int
    outcome: Outcome
    by_id: int
    account_id: int
    deal_id: int | None
    contact_ids: list[int]

    @staticmethod
    def resolve_contact_ids(activity) -> list[int]:
        return [contact.pk for contact in activity.contacts.all()]


class ActivityIn(StrictIn):
    kind: ActivityKind
    subject: str = Field(min_length=1, max_length=200)
    outcome: Outcome
    occurred_at: datetime | None = None
    duration_minutes: StrictInt = Field(default=0, ge=0, le=1440)
    notes: str = Field(default="", max_length=5000)
    contact_ids: list[IdIn] = Field(default=[], max_length=50)  # whom it was with


class TaskOut(Schema):
    id: int
    title: str
    notes: str
    due_at: datetime
    assignee_id: int
    account_id: int | None
    deal_id: int | None
    done_at: datetime | None
    is_overdue: bool


class TaskIn(StrictIn):
    title: str = Field(min_length=1, max_length=200)
    due_at: datetime
    deal_id: IdIn | None = None
    account_id: IdIn | None = None
    notes: str = Field(default="", max_length=5000)


class TaskDoneIn(StrictIn):
    done: StrictBool = True


class MyWorkOut(Schema):
    overdue: list[TaskOut]
    today: list[TaskOut]
