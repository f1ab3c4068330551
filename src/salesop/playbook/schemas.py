from datetime import datetime
from typing import Any

from ninja import Field, Schema

from salesop.core.api import ExpectedVersion, StrictIn
from salesop.playbook import customfields
from salesop.playbook.models import FieldKind, FieldModel


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


CUSTOM_DESCRIPTION = (
    "The values of the fields sales ops added to these records, by key "
    "(GET /api/v1/custom-fields lists them): text, a decimal string for numbers and money, "
    "an ISO date, a choice's key, a list of keys, a user id, true/false."
)


class WithCustom(Schema):
    """An output schema with the record's custom field values."""

    custom: dict[str, Any] = Field(default_factory=dict, description=CUSTOM_DESCRIPTION)

    @staticmethod
    def resolve_custom(obj, context) -> dict:
        return customfields.live_values(obj, (context or {}).get("request"))


class ChoiceOut(Schema):
    key: str
    zh: str
    en: str


class FieldDefinitionOut(Schema):
    model: FieldModel
    key: str
    label_zh: str
    label_en: str
    kind: FieldKind
    choices: list[ChoiceOut]
    currency: str
    required: bool


# What one custom field's value may be in a body: text (numbers and money as decimal strings),
# a whole number or a user id, yes/no, a list of choice keys, or null to clear it.
CustomValue = str | int | bool | list[str] | None


class CustomValuesIn(StrictIn):
    values: dict[str, CustomValue] = Field(
        max_length=200,  # a kind of record has far fewer fields; a refusal stays short
        description="key -> new value; null or an empty string clears one. " + CUSTOM_DESCRIPTION,
    )
    expected_version: ExpectedVersion | None = Field(
        default=None, description="The version you read; 409 if the record changed since."
    )


class CustomValuesOut(Schema):
    id: int
    version: int
    custom: dict[str, Any]
