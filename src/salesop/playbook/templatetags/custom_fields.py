"""`{% custom_fields record %}`: the card of a record's custom fields on its page."""

from decimal import Decimal

from django import template

from salesop.core.money import format_money
from salesop.playbook import customfields
from salesop.playbook.custom_views import card_context
from salesop.playbook.models import FieldDefinition, FieldKind

register = template.Library()


@register.inclusion_tag("playbook/_custom_card.html", takes_context=True)
def custom_fields(context, record):
    return {**(card_context(record) or {}), "request": context.get("request")}


@register.simple_tag
def custom_value(field: FieldDefinition, value) -> str:
    """A stored value as a person reads it on a page: money with its currency."""
    if field.kind == FieldKind.MONEY and value is not None:
        return format_money(Decimal(value), field.currency or "CNY")
    return customfields.as_text(field, value) or "—"
