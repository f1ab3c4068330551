from datetime import datetime

from ninja import Field, Schema

from salesop.core.api import StrictIn
from salesop.customers.models import Tier


class UserRef(Schema):
    id: int
    username: str
    full_name: str


class AccountOut(Schema):
    id: int
    name: str
    industry: str
    region: str
    website: str
    tier: Tier
    owner: UserRef
    team_id: int | None
    created_at: datetime
    updated_at: datetime


class AccountIn(StrictIn):
    name: str = Field(min_length=1, max_length=200)
    industry: str = Field(default="", max_length=100)
    region: str = Field(default="", max_length=100)
    website: str = Field(default="", max_length=200)
    tier: Tier = Tier.STANDARD


class AccountPatch(StrictIn):
    # Not Optional: null is refused; leave a field out to keep its value.
    name: str = Field(default=None, min_length=1, max_length=200)
    industry: str = Field(default=None, max_length=100)
    region: str = Field(default=None, max_length=100)
    website: str = Field(default=None, max_length=200)
    tier: Tier = Field(default=None)


class AccountPage(Schema):
    items: list[AccountOut]
    next_cursor: str | None
