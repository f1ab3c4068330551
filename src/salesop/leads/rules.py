"""Lead rules without writes: BANT score and grade from the playbook's model, the deadlines a
lead's timers run to, and which territory a lead belongs to."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.rules import manages_others
from salesop.core.imports import KINDS as IMPORT_KINDS
from salesop.core.money import (
    MAX_AMOUNT,
    Currency,
    format_amount,
    format_money,
    in_minor_units,
    minor_unit,
)
from salesop.playbook.schema import Bant, Playbook, Territory

STALE = gettext_lazy("Someone else changed this lead a moment ago. Reload it and try again.")


def may_assign(user) -> bool:
    """Hands leads to someone else: a sales manager or sales operations."""
    return manages_others(user)


def may_import(user, kind: str) -> bool:
    """Starts an import of `kind`: as the kind says (history and people only sales ops; leads
    and companies anyone, as their own or their team's)."""
    return kind in IMPORT_KINDS and IMPORT_KINDS[kind].allowed(user)


def may_resume_import(user, job) -> bool:
    """Runs a stopped import again: who started it, or sales operations (the import writes as
    its creator, whom a manager seeing the job is not)."""
    return job.created_by_id == user.pk or user.can_administer


@dataclass(frozen=True)
class FactorScore:
    key: str
    label: str
    level: str
    level_label: str
    points: int
    weight: int

    @property
    def contribution(self) -> float:
        return self.points * self.weight / 100


@dataclass(frozen=True)
class Score:
    total: int
    grade: str
    factors: list[FactorScore]


def bant_errors(answers: dict, model: Bant) -> dict[str, str]:
    """Answers naming a factor or level the model does not have, by factor."""
    errors = {}
    factors = {f.key: f for f in model.factors}
    for key, level in answers.items():
        if key not in factors:
            errors[key] = f"unknown factor {key!r}"
        elif level not in {lv.key for lv in factors[key].levels}:
            errors[key] = f"unknown level {level!r}"
    return errors


def bant_score(answers: dict, model: Bant, language: str = "zh-hans") -> Score:
    """Each factor's level gives 0-100 points, weighted; unanswered factors count 0. Grade A at
    or above the A threshold, B at or above B, else C."""
    factors = []
    for factor in model.factors:
        chosen = next((lv for lv in factor.levels if lv.key == answers.get(factor.key)), None)
        factors.append(
            FactorScore(
                key=factor.key,
                label=factor.label.get(language),
                level=chosen.key if chosen else "",
                level_label=chosen.label.get(language) if chosen else "—",
                points=chosen.points if chosen else 0,
                weight=factor.weight,
            )
        )
    # Half up, as people round (74.5 -> 75); the grade follows the total shown.
    raw = sum(Decimal(f.points * f.weight) / 100 for f in factors)
    total = int(raw.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    grade = "A" if total >= model.grades.a else "B" if total >= model.grades.b else "C"
    return Score(total=total, grade=grade, factors=factors)


def followup_days(playbook: Playbook) -> int:
    rule = next((r for r in playbook.alerts if r.kind == "lead.not_followed_up"), None)
    return (
        rule.after_days if rule and rule.after_days else None
    ) or playbook.sla.lead_followup_days


def first_contact_hours(playbook: Playbook) -> int:
    rule = next((r for r in playbook.alerts if r.kind == "lead.first_contact_overdue"), None)
    return (rule.after_hours if rule and rule.after_hours else None) or (
        playbook.sla.lead_first_contact_hours
    )


def followup_due(playbook: Playbook, last_touch: datetime) -> datetime:
    return last_touch + timedelta(days=followup_days(playbook))


def territory_for(playbook: Playbook, region: str, industry: str) -> Territory | None:
    """The first territory listing the region, else the first listing the industry."""
    territories = playbook.assignment.territories
    for territory in territories:
        if region and region in territory.regions:
            return territory
    for territory in territories:
        if industry and industry in territory.industries:
            return territory
    return None


def budget_problem(budget: Decimal | None, currency: str) -> str | None:
    """What is wrong with a lead's budget, in words; None when it is fine (or not given)."""
    if currency not in Currency.values:
        return _("Unknown currency %(c)r; use one of: %(all)s") % {
            "c": currency,
            "all": ", ".join(Currency.values),
        }
    if budget is None:
        return None
    if not 0 <= budget <= MAX_AMOUNT:
        return _("Enter a budget between 0 and %(max)s.") % {"max": format_amount(MAX_AMOUNT)}
    if not in_minor_units(budget, currency):
        return _("Enter an amount of 0 or more, in steps of %(unit)s.") % {
            "unit": format_money(minor_unit(currency), currency)
        }
    return None


def edit_refusal(lead) -> str | None:
    """Why the lead is not edited any more (None: it may be): a converted lead is its deal's."""
    if lead.deal_id:
        return _("This lead became a deal: edit the deal or its company instead.")
    return None
