from datetime import date, datetime

from ninja import Field, Schema
from pydantic import StrictBool

from salesop.core.api import IdIn, StrictIn
from salesop.monitor.models import AlertStatus, WebhookKind


class AlertOut(Schema):
    id: int
    kind: str
    rule_key: str
    status: AlertStatus
    level: int
    title: str
    owner_id: int
    team_id: int | None
    deal_id: int | None
    url: str
    opened_at: datetime
    escalated_at: datetime | None
    resolved_at: datetime | None
    open_seconds: int | None


class AlertPage(Schema):
    items: list[AlertOut]
    next_cursor: str | None


class NotificationOut(Schema):
    id: int
    title: str
    url: str
    alert_id: int | None
    created_at: datetime
    read_at: datetime | None


class ReadIn(StrictIn):
    ids: list[IdIn] | None = Field(default=None, description="None: mark all read")


class PreferenceIO(StrictIn):
    email_enabled: StrictBool = True
    muted_kinds: list[str] = []
    quiet_start: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    quiet_end: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class WebhookIn(StrictIn):
    name: str = Field(min_length=1, max_length=100)
    kind: WebhookKind
    url: str = Field(min_length=1, max_length=500)
    secret: str = Field(default="", max_length=200)
    alert_kinds: list[str] = []
    team_id: IdIn | None = None
    is_active: StrictBool = True


class WebhookOut(Schema):
    id: int
    name: str
    kind: WebhookKind
    url: str
    alert_kinds: list[str]
    team_id: int | None
    is_active: bool


class DeliveryOut(Schema):
    id: int
    event: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None


class AlertQuery(Schema):
    scope: str = Field(default="mine", pattern="^(mine|team)$")
    status: AlertStatus | None = None
    kind: str = Field(default="", max_length=64)
    opened_from: date | None = None
    opened_to: date | None = None
    cursor: str | None = Field(default=None, max_length=500)
