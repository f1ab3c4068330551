"""Every write to a deal: create, edit, tick the checklist, move through the stage gates, lose,
reopen. A state change is a conditional UPDATE on the deal's version plus one stage event, in
one transaction, so two concurrent moves cannot both win."""

import copy
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError, full_clean_or_refuse
from salesop.core.versioned import check_read, versioned_update
from salesop.customers.models import Account
from salesop.deals import events
from salesop.deals.models import ChecklistTick, Deal, DealStatus, StageEventKind
from salesop.deals.rules import (
    GateFailure,
    close_due_at,
    describe_refusal,
    gate_failures,
    gates_between,
    may_move,
    may_override,
    remembered,
    stage_due_at,
)
from salesop.deals.selectors import playbook_of
from salesop.playbook.registry import described
from salesop.playbook.selectors import active_version, parsed

EDITABLE_FIELDS = ("name", "amount", "currency", "expected_close_date")


class GateRefused(DomainError):
    """The stage gate is not passed; `failures` lists each unmet criterion."""

    def __init__(self, failures: list[GateFailure]):
        super().__init__(
            "gate_refused",
            describe_refusal(failures),
            {f.key: f.message for f in failures},
        )
        self.failures = failures


def ticked_items(deal: Deal) -> set[tuple[str, str]]:
    return set(ChecklistTick.objects.filter(deal=deal).values_list("stage", "item"))


STALE = gettext_lazy("Someone else changed this deal a moment ago. Reload it and try again.")


def _validate_fields(values: dict) -> dict:
    unknown = sorted(set(values) - set(EDITABLE_FIELDS))
    if unknown:
        raise DomainError(
            "unknown_field",
            _("These fields cannot be set: %(fields)s.") % {"fields": ", ".join(unknown)},
            {name: _("This field cannot be set.") for name in unknown},
        )
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
    amount = values.get("amount")
    if amount is not None and (not isinstance(amount, Decimal) or amount < 0):
        raise DomainError(
            "invalid_amount",
            _("The amount must be zero or more."),
            {"amount": _("Enter an amount of 0 or more.")},
        )
    return values


@transaction.atomic
def deal_create(
    *,
    by: User,
    account: Account,
    name: str,
    amount: Decimal | None = None,
    currency: str = "CNY",
    expected_close_date: date | None = None,
    owner: User | None = None,
) -> Deal:
    """A new deal in the active playbook's first stage, owned by `owner` (default: `by`)."""
    version = active_version()
    playbook = parsed(version)
    owner = owner or by
    values = _validate_fields(
        {
            "name": name,
            "amount": amount,
            "currency": currency,
            "expected_close_date": expected_close_date,
        }
    )
    first = playbook.stages[0]
    now = timezone.now()
    deal = Deal(
        owner=owner,
        team=owner.team,
        account=account,
        stage=first.key,
        probability=first.probability,
        playbook_version=version,
        stage_entered_at=now,
        stage_due_at=stage_due_at(playbook, first.key, now),
        close_due_at=close_due_at(values.get("expected_close_date")),
        **values,
    )
    full_clean_or_refuse(deal)
    with audit_actor(by):
        deal.save()
    events.deal_created(deal, by=by)
    return deal


@transaction.atomic
def deal_update(*, deal: Deal, by: User, expected_version: int | None = None, **values) -> Deal:
    check_read(deal, expected_version, stale=STALE)
    values = _validate_fields(values)
    draft = copy.copy(deal)  # checked as it will be; the deal itself changes once written
    for name, value in values.items():
        setattr(draft, name, value)
    if "expected_close_date" in values and deal.is_open:
        values["close_due_at"] = draft.close_due_at = close_due_at(draft.expected_close_date)
    full_clean_or_refuse(draft, exclude=["owner", "team", "account", "playbook_version"])
    versioned_update(deal, by=by, stale=STALE, **values)
    return deal


@transaction.atomic
def checklist_tick(*, deal: Deal, by: User, stage: str, item: str, done: bool = True) -> bool:
    """Ticks (or unticks) a checklist item of the deal's playbook; returns the new state."""
    if not deal.is_open:
        raise DomainError("deal_closed", _("This deal is closed; reopen it to change it."))
    spec = playbook_of(deal).stage(stage)
    if spec is None or item not in {i.key for i in spec.checklist}:
        raise DomainError(
            "unknown_item",
            _("The checklist item %(stage)s/%(item)s does not exist in this deal's playbook.")
            % {"stage": stage, "item": item},
            {"item": _("Not an item of this stage.")},
        )
    spec_item = next(i for i in spec.checklist if i.key == item)
    if spec_item.evidence:
        message = _("“%(item)s” ticks itself when this is so: %(evidence)s") % {
            "item": spec_item.label.get(get_language() or "zh-hans"),
            "evidence": described(spec_item.evidence),
        }
        raise DomainError("evidence", message, {"item": message})
    if done:
        ChecklistTick.objects.get_or_create(deal=deal, stage=stage, item=item, defaults={"by": by})
    else:
        ChecklistTick.objects.filter(deal=deal, stage=stage, item=item).delete()
    return done


def move_check(
    *, deal: Deal, to_stage: str, by: User, memo: dict | None = None
) -> list[GateFailure]:
    """What stops `by` from moving `deal` to `to_stage` now (empty: the move may go ahead)."""
    if not deal.is_open:
        return [GateFailure(deal.stage, "deal.open", _("the deal is closed; reopen it first"))]
    playbook = playbook_of(deal)
    if to_stage == deal.stage:
        return [GateFailure(deal.stage, "stage.same", _("the deal is already in this stage"))]
    try:
        gates_between(playbook, deal.stage, to_stage)
    except ValueError:
        return [
            GateFailure(
                deal.stage,
                "stage.unknown",
                _("%(stage)s is not a stage of this playbook") % {"stage": to_stage},
            )
        ]
    current = playbook.stage(deal.stage)
    if not may_move(by, current):
        return [
            GateFailure(deal.stage, "role", _("your role may not move deals out of this stage"))
        ]
    if memo is None:
        ticked = ticked_items(deal)
    else:  # a page asking several gates, with the ticks it read (deals.selectors.deal_detail)
        ticked = remembered(memo, "ticked", lambda: ticked_items(deal))
    return gate_failures(deal, playbook, to_stage, ticked, memo)


@transaction.atomic
def deal_move(
    *,
    deal: Deal,
    to_stage: str,
    by: User,
    override_reason: str = "",
    expected_version: int | None = None,
) -> Deal:
    """Moves the deal if every gate on the way passes. A manager may pass failed gates with a
    written reason, which is recorded on the stage event and counts against compliance."""
    check_read(deal, expected_version, stale=STALE)
    failures = move_check(deal=deal, to_stage=to_stage, by=by)
    override_reason = override_reason.strip()
    blocking = [
        f for f in failures if f.criterion in ("deal.open", "stage.same", "stage.unknown", "role")
    ]
    if blocking:
        raise DomainError(
            blocking[0].criterion, blocking[0].message, {"to_stage": blocking[0].message}
        )
    if failures and not override_reason:
        raise GateRefused(failures)
    if failures and not may_override(by):
        raise DomainError(
            "override_forbidden",
            _("Only a sales manager may override a stage gate."),
            {"override_reason": _("Only a sales manager may override a stage gate.")},
        )
    playbook = playbook_of(deal)
    now = timezone.now()
    seconds = max(0, int((now - deal.stage_entered_at).total_seconds()))
    from_stage = deal.stage
    if to_stage == "won":
        versioned_update(
            deal,
            by=by,
            stale=STALE,
            stage="won",
            status=DealStatus.WON,
            probability=100,
            closed_at=now,
            stage_entered_at=now,
            stage_due_at=None,
            close_due_at=None,
        )
        record = events.deal_won
    else:
        versioned_update(
            deal,
            by=by,
            stale=STALE,
            stage=to_stage,
            probability=playbook.stage(to_stage).probability,
            stage_entered_at=now,
            stage_due_at=stage_due_at(playbook, to_stage, now),
        )
        record = events.deal_moved
    record(
        deal,
        by=by,
        from_stage=from_stage,
        seconds=seconds,
        override_reason=override_reason if failures else "",
        failures=failures,
    )
    return deal


@transaction.atomic
def deal_mark_lost(
    *,
    deal: Deal,
    by: User,
    reason: str,
    note: str = "",
    competitor: str = "",
    expected_version: int | None = None,
) -> Deal:
    check_read(deal, expected_version, stale=STALE)
    if not deal.is_open:
        raise DomainError("deal_closed", _("This deal is already closed."))
    playbook = playbook_of(deal)
    reasons = {r.key for r in playbook.lost_reasons}
    if reason not in reasons:
        raise DomainError(
            "lost_reason",
            _("Choose why the deal was lost from the list."),
            {"reason": _("Choose one of: %(keys)s.") % {"keys": ", ".join(sorted(reasons))}},
        )
    if not may_move(by, playbook.stage(deal.stage)):
        raise DomainError("role", _("Your role may not close deals in this stage."))
    now = timezone.now()
    seconds = max(0, int((now - deal.stage_entered_at).total_seconds()))
    from_stage = deal.stage
    versioned_update(
        deal,
        by=by,
        stale=STALE,
        stage="lost",
        status=DealStatus.LOST,
        probability=0,
        closed_at=now,
        lost_reason=reason,
        lost_note=note.strip()[:2000],
        lost_to=competitor.strip()[:100],
        stage_entered_at=now,
        stage_due_at=None,
        close_due_at=None,
    )
    events.deal_lost(deal, by=by, from_stage=from_stage, seconds=seconds)
    return deal


@transaction.atomic
def deal_reopen(*, deal: Deal, by: User, reason: str, expected_version: int | None = None) -> Deal:
    """A manager brings a lost deal back to the stage it was lost from."""
    check_read(deal, expected_version, stale=STALE)
    if deal.status != DealStatus.LOST:
        raise DomainError("not_lost", _("Only a lost deal can be reopened."))
    if not may_override(by):
        raise DomainError("role", _("Only a sales manager may reopen a lost deal."))
    reason = reason.strip()
    if not reason:
        raise DomainError("reason", _("Say why the deal is reopened."), {"reason": _("Required.")})
    playbook = parsed(active_version())
    last_lost = deal.stage_events.filter(kind=StageEventKind.LOST).order_by("-at", "-id").first()
    back_to = last_lost.from_stage if last_lost else playbook.stages[0].key
    if playbook.stage(back_to) is None:
        back_to = playbook.stages[0].key
    now = timezone.now()
    versioned_update(
        deal,
        by=by,
        stale=STALE,
        stage=back_to,
        status=DealStatus.OPEN,
        probability=playbook.stage(back_to).probability,
        closed_at=None,
        lost_reason="",
        lost_to="",
        stage_entered_at=now,
        playbook_version=active_version(),
        stage_due_at=stage_due_at(playbook, back_to, now),
        close_due_at=close_due_at(deal.expected_close_date),
    )
    events.deal_reopened(deal, by=by, reason=reason)
    return deal
