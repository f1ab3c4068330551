"""`{% custom_fields record %}`: the card of a record's custom fields on its page."""

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.core.money import format_money
from salesop.playbook.custom_views import card_context
from salesop.playbook.models import FieldDefinition, FieldKind

register = template.Library()


@register.inclusion_tag("playbook/_custom_card.html", takes_context=True)
def custom_fields(context, record):
    return {**(card_context(record) or {}), "request": context.get("request")}


@register.simple_tag
def custom_value(field: FieldDefinition, value) -> str:
    """A stored value as a person reads it: choice labels, a person's name, yes/no, money with
    its currency."""
    if value is None or value == []:
        return "—"
    kind = field.kind
    if kind == FieldKind.CHOICE:
        return field.choice_label(value)
    if kind == FieldKind.MULTI_CHOICE:
        return "、".join(field.choice_label(key) for key in value)
    if kind == FieldKind.BOOLEAN:
        return _("Yes") if value else _("No")
    if kind == FieldKind.USER:
        person = User.objects.filter(pk=value).first()
        return str(person) if person else "—"
    if kind == FieldKind.MONEY:
        return format_money(Decimal(value), field.currency or "CNY")
    return str(value)
