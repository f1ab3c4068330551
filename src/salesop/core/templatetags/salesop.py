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
    return mapping.get(key, key) if mapping else key
