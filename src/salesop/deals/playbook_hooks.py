"""How a new playbook version reaches live deals: refused while open deals sit in a stage it
removes; otherwise every open deal runs on it from the moment it is activated."""

from datetime import timedelta

from django.db.models import Count, DateTimeField, ExpressionWrapper, F
from django.utils.translation import gettext as _

from salesop.core.versioned import versioned_bulk_update
from salesop.deals.models import Deal, DealStatus
from salesop.playbook.hooks import activation_guard, activation_upgrade


@activation_guard
def open_deals_in_removed_stages(playbook, version) -> list[str]:
    keys = {s.key for s in playbook.stages}
    stranded = (
        Deal.objects.filter(status=DealStatus.OPEN)
        .exclude(stage__in=keys)
        .values("stage")
        .annotate(n=Count("id"))
        .order_by("stage")
    )
    return [
        _("%(n)d open deal(s) are in stage %(stage)r, which this version removes; move them first.")
        % {"n": row["n"], "stage": row["stage"]}
        for row in stranded
    ]


@activation_upgrade
def move_open_deals(playbook, version) -> None:
    """Each open deal takes the version, its stage's probability and, from a new maximum
    dwell, a new deadline: one versioned write per stage, so a deal form opened before the
    activation answers 409 instead of writing the old deadline back."""
    open_deals = Deal.objects.filter(status=DealStatus.OPEN)
    for stage in playbook.stages:
        due = None
        if stage.max_dwell_days is not None:
            due = ExpressionWrapper(
                F("stage_entered_at") + timedelta(days=stage.max_dwell_days),
                output_field=DateTimeField(),
            )
        versioned_bulk_update(
            open_deals.filter(stage=stage.key),
            by=version.activated_by,
            playbook_version=version,
            probability=stage.probability,
            stage_due_at=due,
        )
