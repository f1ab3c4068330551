"""The OpenAPI document describes the custom fields as they are defined now: each record
schema's `custom` object lists its fields, their types and labels."""

from salesop.playbook import customfields
from salesop.playbook.customfields import MONEY, NUMBER, TEXT_MAX
from salesop.playbook.models import FieldDefinition, FieldKind, FieldModel

# The output schemas carrying `custom`, by the records they describe.
COMPONENTS = {
    "AccountOut": FieldModel.ACCOUNT,
    "ContactOut": FieldModel.CONTACT,
    "LeadOut": FieldModel.LEAD,
    "LeadDetailOut": FieldModel.LEAD,
    "DealOut": FieldModel.DEAL,
    "DealDetailOut": FieldModel.DEAL,
    "TicketOut": FieldModel.TICKET,
    "ProjectOut": FieldModel.PROJECT,
    "ProjectDetailOut": FieldModel.PROJECT,
}


def value_schema(field: FieldDefinition) -> dict:
    kind = field.kind
    keys = [c["key"] for c in field.choices]
    schema: dict
    if kind in TEXT_MAX:
        schema = {"type": "string", "maxLength": TEXT_MAX[kind]}
    elif kind == FieldKind.NUMBER:
        schema = {"type": "string", "pattern": NUMBER.pattern}
    elif kind == FieldKind.MONEY:
        schema = {"type": "string", "pattern": MONEY.pattern, "x-currency": field.currency}
    elif kind == FieldKind.DATE:
        schema = {"type": "string", "format": "date"}
    elif kind == FieldKind.CHOICE:
        schema = {"type": "string", "enum": keys}
    elif kind == FieldKind.MULTI_CHOICE:
        schema = {"type": "array", "items": {"type": "string", "enum": keys}}
    elif kind == FieldKind.USER:
        schema = {"type": "integer", "minimum": 1, "description": "a user id"}
    else:
        schema = {"type": "boolean"}
    return {"title": field.label_en, "x-label-zh": field.label_zh, **schema}


def describe(document: dict) -> dict:
    components = document.get("components", {}).get("schemas", {})
    fields = {label: customfields.definitions(label) for label in set(COMPONENTS.values())}
    for name, label in COMPONENTS.items():
        custom = components.get(name, {}).get("properties", {}).get("custom")
        if custom is None:
            continue
        custom["properties"] = {f.key: value_schema(f) for f in fields[label]}
        custom["additionalProperties"] = False
    return document
