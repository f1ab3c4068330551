"""The funnel's steps: which leads reached each one, and its label. Read by the live
reports (selectors) and by the nightly aggregates alike."""

from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salesop.deals.models import StageEventKind
from salesop.leads.models import Lead, LeadEventKind


def funnel_stages(leads: QuerySet[Lead], playbook) -> list[tuple[str, QuerySet[Lead]]]:
    """Each funnel step as the leads of `leads` that reached it: contacted, qualified, each
    deal stage of the playbook (a deal that skipped a stage counts for it), won. Querysets
    may repeat a lead (joins): count distinct ids."""
    stages = [s.key for s in playbook.stages]
    steps = [
        ("leads", leads),
        ("contacted", leads.filter(first_contacted_at__isnull=False)),
        (
            "qualified",
            leads.filter(
                Q(deal__isnull=False)
                | Q(events__kind=LeadEventKind.STATUS, events__to_value="qualified")
            ),
        ),
    ]
    for i, key in enumerate(stages):
        reached = Q(deal__stage_events__to_stage__in=[*stages[i:], "won"])
        if i == 0:
            reached |= Q(deal__stage_events__kind=StageEventKind.CREATED)
        steps.append((key, leads.filter(reached)))
    steps.append(("won", leads.filter(deal__stage_events__kind=StageEventKind.WON)))
    return steps


def step_label(key: str, playbook) -> str:
    fixed = {"leads": _("Leads"), "contacted": _("Contacted"), "qualified": _("Qualified (A/B)")}
    return fixed.get(key) or playbook.stage_label(key, get_language() or "zh-hans")
