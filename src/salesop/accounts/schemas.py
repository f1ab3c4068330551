from datetime import datetime

from ninja import Field, Schema

from salesop.core.api import StrictIn, StrictInt


class TeamOut(Schema):
    id: int
    name: str


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    email: str
    roles: list[str]
    team: TeamOut | None
    language: str
    timezone: str


class TokenIn(StrictIn):
    name: str = Field(min_length=1, max_length=100)
    days: StrictInt = Field(default=90, ge=1, le=366)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    is_active: bool


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret. It is shown once and never stored.")
