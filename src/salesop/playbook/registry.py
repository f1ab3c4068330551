"""Names a playbook may use, implemented once in code.

Exit criteria are registered by the app that owns their data (deals, discovery, pricing,
contracts...). Alert kinds are registered by name here and evaluated by the monitor. A
playbook naming anything not registered does not load.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Criterion:
    name: str
    description: str | Promise
    # check(gate_context) -> None when met, else what the rep must do, in words.
    check: Callable[[Any], str | Promise | None]


CRITERIA: dict[str, Criterion] = {}


def criterion(name: str, description: str | Promise):
    """Registers an exit criterion under `name` (e.g. "checklist.complete")."""

    def register(check: Callable[[Any], str | Promise | None]):
        if name in CRITERIA and CRITERIA[name].check is not check:
            raise ValueError(f"criterion {name!r} is registered twice")
        CRITERIA[name] = Criterion(name, description, check)
        return check

    return register


CUSTOM_PREFIX = "custom.deal."


def find_criterion(name: str) -> Criterion | None:
    """The criterion a playbook names: one registered in code, or `custom.deal.<key>`, met
    when the deal's custom field `key` (playbook.FieldDefinition) is filled."""
    if name in CRITERIA:
        return CRITERIA[name]
    if not name.startswith(CUSTOM_PREFIX):
        return None
    from salesop.playbook.models import FieldDefinition, FieldModel

    key = name.removeprefix(CUSTOM_PREFIX)
    field = FieldDefinition.objects.filter(
        model=FieldModel.DEAL, key=key, deleted_at__isnull=True
    ).first()
    return _filled(name, field) if field is not None else None


def described(name: str) -> str:
    """What the criterion asks, in words; its name when it is gone (a deleted custom field)."""
    found = find_criterion(name)
    return str(found.description) if found else name


def known_criteria() -> dict[str, Criterion]:
    """Every criterion a playbook may name now: the registered ones and the deals' custom
    fields."""
    from salesop.playbook.models import FieldDefinition, FieldModel

    fields = FieldDefinition.objects.filter(model=FieldModel.DEAL, deleted_at__isnull=True)
    return CRITERIA | {
        CUSTOM_PREFIX + field.key: _filled(CUSTOM_PREFIX + field.key, field) for field in fields
    }


def _filled(name: str, field) -> Criterion:
    def check(context) -> str | None:
        if (context.deal.custom or {}).get(field.key) is not None:
            return None
        return _("Fill in “%(label)s”.") % {"label": field.label}

    return Criterion(name, _("The field “%(label)s” is filled in.") % {"label": field.label}, check)


# Alert kinds the monitor knows how to evaluate; their data arrives with each capability.
ALERT_KINDS: dict[str, str] = {
    "lead.not_followed_up": "a lead has had no activity for `after_days`",
    "lead.first_contact_overdue": "a new lead was not contacted within `after_hours`",
    "deal.stage_overdue": "a deal stayed in its stage longer than the stage's max_dwell_days",
    "deal.signing_overdue": "the expected close date passed without signature",
    "approval.pending_too_long": "an approval waited longer than `after_hours`",
    "contract.signing_overdue": "a contract's target signing date passed without signature",
    "ticket.first_response_overdue": "a ticket had no first response within its SLA",
    "ticket.solution_direction_overdue": "a ticket had no solution direction within its SLA",
    "project.update_missing": "a project sent no progress update for sla.progress_update_days",
}
