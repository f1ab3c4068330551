from datetime import datetime

from ninja import Field, Schema

from salesop.core.api import StrictIn
from salesop.customers.models import DecisionRole, Tier
from salesop.playbook.schemas import WithCustom


class UserRef(Schema):
    id: int
    username: str
    full_name: str


class AccountOut(WithCustom):
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


class ContactOut(WithCustom):
    id: int
    name: str
    title: str
    phone: str
    phone_e164: str
    email: str
    wechat: str
    decision_role: str


class ContactIn(StrictIn):
    name: str = Field(min_length=1, max_length=100)
    title: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=254)
    wechat: str = Field(default="", max_length=64)
    decision_role: DecisionRole = DecisionRole.UNKNOWN
