from django import template

from salesop.activities import rules

register = template.Library()


@register.filter
def closable_by(task, user) -> bool:
    """{% if task|closable_by:request.user %}: the task's Done button only for who may."""
    return rules.may_complete(user, task)
