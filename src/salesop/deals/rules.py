"""Stage gates: what stands between a deal and the stage it is asked to move to. No writes."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.accounts.rules import manages_others
from salesop.core.time import company_zone
from salesop.deals.models import Deal
from salesop.playbook.registry import find_criterion
from salesop.playbook.schema import ChecklistItem, Playbook, Stage


def may_import_history(user: User) -> bool:
    """Brings past deals in: closed deals of any amount, for any owner, through no stage gate
    (and it may create the owners it names): sales operations only."""
    return user.can_administer


# Where each family of criteria is met, for a refusal's "fix it here" link (the names of
# deals/_partials/checklist_link.html).
FIX_AT = {
    "discovery": "discovery",
    "stakeholders": "decision_chain",
    "quote": "quotes",
    "proposal": "proposals",
    "objections": "proposals",
    "contract": "contract",
    "deal": "edit",
    "activity": "activities",
    "enablement": "enablement",
}


@dataclass(frozen=True)
class GateFailure:
    """One unmet condition, in words a rep can act on."""

    stage: str
    criterion: str
    message: str
    fix: str = ""  # where it is met, when its criterion's family does not say (a checklist item)
    item: str = ""  # the checklist item it is, when it is one

    @property
    def key(self) -> str:
        """Names it among a refusal's failures: gate.<stage>.<criterion>[.<item>]."""
        return ".".join(filter(None, ("gate", self.stage, self.criterion, self.item)))

    @property
    def link(self) -> str:
        """Where the rep meets it ("" for an item ticked on the checklist itself)."""
        return self.fix or FIX_AT.get(self.criterion.partition(".")[0], "")


@dataclass
class GateContext:
    """What criteria look at: the deal, the stage being left, and the ticked checklist items."""

    deal: Deal
    stage: Stage
    ticked: set[tuple[str, str]] = field(default_factory=set)
    # Answers already computed for this deal in this read ((criterion, stage) -> message): a
    # page that shows the checklist and several gates asks each criterion once.
    # Facts several criteria read (the deal's current contract) are kept here too: see `fact`.
    memo: dict[tuple[str, str], Any] = field(default_factory=dict)
    # The exit criteria of every stage a move crosses: checklist evidence one of them already
    # checks is not said twice.
    crossing: frozenset[str] = frozenset()


def check(context: GateContext, name: str) -> str | None:
    """The criterion's answer for the context's stage: None when met, else what to do."""
    key = (name, context.stage.key)
    if key not in context.memo:
        found = find_criterion(name)  # a custom field deleted since is no gate
        context.memo[key] = found.check(context) if found else None
    return context.memo[key]


def remembered(memo: dict, name: str, read: Callable[[], Any]) -> Any:
    """`read()`, once per memo (one read of a deal) however many criteria and gates ask."""
    key = ("fact", name)
    if key not in memo:
        memo[key] = read()
    return memo[key]


def fact(context: GateContext, name: str, read: Callable[[Deal], Any]) -> Any:
    """`read(deal)`, once per read of the deal (see `remembered`)."""
    return remembered(context.memo, name, lambda: read(context.deal))


def stage_due_at(playbook: Playbook, stage: str, entered_at: datetime) -> datetime | None:
    """When a deal entering `stage` at `entered_at` outstays the stage's maximum dwell."""
    spec = playbook.stage(stage)
    if spec is None or spec.max_dwell_days is None:
        return None
    return entered_at + timedelta(days=spec.max_dwell_days)


def close_due_at(expected_close_date: date | None) -> datetime | None:
    """The end of the expected close date, in the company's time zone; none for the
    calendar's last day, which has no next day to start (and no clock reaches it)."""
    if expected_close_date is None or expected_close_date == date.max:
        return None
    zone = company_zone()
    return datetime.combine(expected_close_date + timedelta(days=1), time.min, tzinfo=zone)


def may_move(user: User, stage: Stage) -> bool:
    return user.sees_everything or bool(user.roles.intersection(stage.movers))


def may_override(user: User) -> bool:
    """Overrides a gate, reopens a lost deal."""
    return manages_others(user)


def gates_between(playbook: Playbook, current: str, target: str) -> list[Stage] | None:
    """The stages whose exit gates a move from `current` to `target` must pass: the current
    one, plus every stage it skips. None when the move goes backwards (no gate) and a
    ValueError when the target is not a stage of this playbook."""
    keys = [s.key for s in playbook.stages]
    if target not in keys and target != "won":
        raise ValueError(target)
    if target in playbook.next_stages(current):
        return [playbook.stage(current)]
    target_index = len(keys) if target == "won" else keys.index(target)
    current_index = keys.index(current)
    if target_index <= current_index:
        return None
    return [playbook.stages[i] for i in range(current_index, target_index)]


def gate_failures(
    deal: Deal,
    playbook: Playbook,
    target: str,
    ticked: set[tuple[str, str]],
    memo: dict | None = None,
) -> list[GateFailure]:
    stages = gates_between(playbook, deal.stage, target) or []
    failures = []
    language = get_language() or "zh-hans"
    memo = {} if memo is None else memo
    crossing = frozenset(name for stage in stages for name in stage.exit_criteria)
    for stage in stages:
        context = GateContext(deal=deal, stage=stage, ticked=ticked, memo=memo, crossing=crossing)
        label = stage.label.get(language)
        for name in stage.exit_criteria:
            if name == "checklist.complete":  # each item on its own line, with where it is done
                for item, lacking in missing_items(context):
                    item_label = item.label.get(language)
                    if lacking:
                        failures.append(
                            GateFailure(
                                stage.key,
                                item.evidence,
                                f"{label}: {item_label}: {lacking}",
                                item=item.key,
                            )
                        )
                    else:
                        message = _("tick “%(item)s”") % {"item": item_label}
                        failures.append(
                            GateFailure(
                                stage.key, name, f"{label}: {message}", item.link or "", item.key
                            )
                        )
                continue
            message = check(context, name)
            if message:
                failures.append(GateFailure(stage.key, name, f"{label}: {message}"))
    return failures


def evidence_missing(context: GateContext, item: ChecklistItem) -> str | None:
    """What the item's evidence still lacks (None: the evidence ticks it)."""
    return check(context, item.evidence)


def missing_items(context: GateContext) -> list[tuple[ChecklistItem, str | None]]:
    """The stage's items not done, each with what its evidence lacks (None: a box nobody
    ticked). An item whose evidence is itself an exit criterion of the stage (or of another
    stage the move crosses) is left to that criterion, so a refusal says each missing thing
    once."""
    missing = []
    for item in context.stage.checklist:
        if item.evidence:
            if item.evidence in context.stage.exit_criteria or item.evidence in context.crossing:
                continue
            lacking = evidence_missing(context, item)
            if lacking is not None:
                missing.append((item, lacking))
        elif (context.stage.key, item.key) not in context.ticked:
            missing.append((item, None))
    return missing


def unticked_items(context: GateContext) -> list[str]:
    """The labels of the stage's items not done (missing_items)."""
    language = get_language() or "zh-hans"
    return [item.label.get(language) for item, _lacking in missing_items(context)]


def describe_refusal(failures: list[GateFailure]) -> str:
    return _("The stage gate is not passed yet: %(what)s") % {
        "what": "; ".join(f.message for f in failures)
    }
