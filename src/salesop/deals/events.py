"""What happens to deals: each kept as a StageEvent row (stage durations, the funnel and the
compliance scorecards are computed from them) and published on the core event stream as
"deal.<kind>" (created, moved, won, lost, reopened)."""

from salesop.accounts.models import User
from salesop.core.events import publish, publish_rows
from salesop.deals.models import Deal, StageEvent


def stage_event(
    deal: Deal,
    *,
    kind: str,
    from_stage: str,
    to_stage: str,
    by: User | None,
    seconds: int = 0,
    **extra,
) -> StageEvent:
    event = StageEvent.objects.create(
        deal=deal,
        kind=kind,
        from_stage=from_stage,
        to_stage=to_stage,
        by=by,
        seconds_in_previous=seconds,
        playbook_version_id=deal.playbook_version_id,
        **extra,
    )
    publish(f"deal.{kind}", deal=deal, event=event)
    return event


def stage_events(events: list[StageEvent]) -> list[StageEvent]:
    """Many at once (a history import): one INSERT, each published."""
    made = StageEvent.objects.bulk_create(events)
    publish_rows(made, "deal")
    return made
