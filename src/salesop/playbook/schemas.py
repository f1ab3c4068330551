from datetime import datetime

from ninja import Field, Schema

from salesop.core.api import StrictIn


class VersionOut(Schema):
    id: int
    number: int
    name: str
    sha256: str
    comment: str
    author: str | None = Field(default=None)
    created_at: datetime
    is_active: bool
    activated_at: datetime | None

    @staticmethod
    def resolve_author(obj) -> str | None:
        return str(obj.author) if obj.author else None


class VersionDetailOut(VersionOut):
    text: str


class VersionIn(StrictIn):
    text: str = Field(min_length=1, max_length=256 * 1024)
    comment: str = Field(default="", max_length=300)
