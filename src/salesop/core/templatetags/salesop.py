from django import template
from django.utils.translation import gettext as _

from salesop.core.money import format_money

register = template.Library()


@register.filter
def duration(seconds: int | None) -> str:
    """3 days 2 h / 5 h 10 min / 40 min, in the current language."""
    if seconds is None:
        return "—"
    minutes = int(seconds) // 60
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


@register.simple_tag
def money(amount, currency) -> str:
    return format_money(amount, currency)


@register.filter
def get_item(mapping, key):
    """The mapping's value for the key, None when it has none."""
    return mapping.get(key) if mapping else None


@register.filter
def label_of(labels, key):
    """A key's label; a key the labels do not know (a value from an older playbook) as it is."""
    return labels.get(key, key) if labels else key


@register.filter
def model_label(record) -> str:
    """ "deals.deal": how URLs name a record's kind (the history of any record a page shows)."""
    return record._meta.label_lower
