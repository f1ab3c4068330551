"""What happens to deals, one function an event: each keeps its StageEvent row (stage
durations, the funnel and the compliance scorecards are computed from them) and publishes it on
the core event stream under its name, with the deal and the row."""

from salesop.accounts.models import User
from salesop.core.events import publish
from salesop.deals.models import Deal, RecapLink, StageEvent, StageEventKind

CREATED = "deal.created"
MOVED = "deal.moved"
WON = "deal.won"
LOST = "deal.lost"
REOPENED = "deal.reopened"
IMPORTED = "deal.imported"
RECAP_ANSWERED = "recap.answered"


def _record(deal: Deal, kind: str, by: User | None, **fields) -> StageEvent:
    event = StageEvent.objects.create(
        deal=deal, kind=kind, by=by, playbook_version_id=deal.playbook_version_id, **fields
    )
    publish(f"deal.{kind}", deal=deal, event=event)
    return event


def _unmet(failures) -> list[dict[str, str]]:
    return [{"stage": f.stage, "criterion": f.criterion, "message": f.message} for f in failures]


def deal_created(deal: Deal, *, by: User | None) -> StageEvent:
    """A deal was opened at its first stage."""
    return _record(deal, StageEventKind.CREATED, by, from_stage="", to_stage=deal.stage)


def deal_moved(
    deal: Deal,
    *,
    by: User,
    from_stage: str,
    seconds: int,
    override_reason: str = "",
    failures=(),
) -> StageEvent:
    """A deal moved to another open stage, after `seconds` in `from_stage`; a gate a manager
    overrode keeps the reason and the criteria it did not meet."""
    return _record(
        deal,
        StageEventKind.MOVED,
        by,
        from_stage=from_stage,
        to_stage=deal.stage,
        seconds_in_previous=seconds,
        override_reason=override_reason,
        unmet=_unmet(failures),
    )


def deal_won(
    deal: Deal,
    *,
    by: User,
    from_stage: str,
    seconds: int,
    override_reason: str = "",
    failures=(),
) -> StageEvent:
    """A deal was won from `from_stage` (through the won gate, or its override)."""
    return _record(
        deal,
        StageEventKind.WON,
        by,
        from_stage=from_stage,
        to_stage="won",
        seconds_in_previous=seconds,
        override_reason=override_reason,
        unmet=_unmet(failures),
    )


def deal_lost(deal: Deal, *, by: User, from_stage: str, seconds: int) -> StageEvent:
    """A deal was lost from `from_stage`, for the reason recorded on the deal."""
    return _record(
        deal,
        StageEventKind.LOST,
        by,
        from_stage=from_stage,
        to_stage="lost",
        seconds_in_previous=seconds,
        reason=deal.lost_reason,
    )


def deal_reopened(deal: Deal, *, by: User, reason: str) -> StageEvent:
    """A manager brought a lost deal back to the stage it was lost from, saying why."""
    return _record(
        deal,
        StageEventKind.REOPENED,
        by,
        from_stage="lost",
        to_stage=deal.stage,
        override_reason=reason,
    )


def history_imported(events: list[StageEvent]) -> list[StageEvent]:
    """Past deals brought in by an import, with the stages each reached (no time in a stage is
    known): one INSERT of their rows; each deal published once as imported, with its rows, not
    as moves and wins that happen now."""
    made = StageEvent.objects.bulk_create(events)
    rows: dict[int, list[StageEvent]] = {}
    for event in made:
        rows.setdefault(event.deal_id, []).append(event)
    for deal_events in rows.values():
        publish(IMPORTED, deal=deal_events[0].deal, events=deal_events)
    return made


def recap_answered(link: RecapLink) -> None:
    """The customer confirmed the recap through its link, or corrected it (link.confirmed)."""
    publish(RECAP_ANSWERED, deal=link.deal, link=link, by=None)
