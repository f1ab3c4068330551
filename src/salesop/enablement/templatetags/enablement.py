"""`{% related_cases user industry=... objection=... %}`: published cases worth reading beside
the question bank, the objection library and a proposal."""

from django import template

from salesop.enablement.cases import case_search

register = template.Library()


@register.inclusion_tag("enablement/_related_cases.html")
def related_cases(user, industry: str = "", objection: str = "", limit: int = 3):
    found = case_search(user, industry=industry, objection=objection) if user else []
    return {"cases": [c for c in found if c.status == "published"][:limit]}
