"""What pydantic cannot see in a playbook: names that must exist (criteria, roles, stages,
alert kinds), keys that must be unique, orderings and the calendar's years; each problem with
the path it is at (the loader adds its line)."""

from collections import Counter
from collections.abc import Iterable

from django.utils.translation import gettext as _

from salesop.accounts.models import Role
from salesop.customers.models import Tier
from salesop.playbook.registry import ALERT_KINDS, CRITERIA, find_criterion
from salesop.playbook.schema import CLOSED_STAGES, REQUIRED_LEAD_STATUSES, Playbook

Path = tuple[str | int, ...]


def _duplicates(items: Iterable[str]) -> set[str]:
    return {key for key, n in Counter(items).items() if n > 1}


def _unique(
    section: str, keys: list[str], field: str = "key", prefix: Path = ()
) -> list[tuple[Path, str]]:
    """A problem at each occurrence of a key that appears more than once in `keys`."""
    return [
        ((*prefix, section, i, field), _("duplicate key %(key)r") % {"key": dup})
        for dup in _duplicates(keys)
        for i, key in enumerate(keys)
        if key == dup
    ]


def _lead_problems(pb: Playbook) -> list[tuple[Path, str]]:
    """Lead statuses (unique, the required ones present), disqualify reasons, territories."""
    problems = _unique("lead_statuses", [s.key for s in pb.lead_statuses])
    missing = [k for k in REQUIRED_LEAD_STATUSES if k not in {s.key for s in pb.lead_statuses}]
    if missing:
        problems.append(
            (
                ("lead_statuses",),
                _("these statuses are required: %(keys)s") % {"keys": ", ".join(missing)},
            )
        )
    problems += _unique("disqualify_reasons", [r.key for r in pb.disqualify_reasons])
    problems += _unique(
        "territories", [t.key for t in pb.assignment.territories], prefix=("assignment",)
    )
    return problems


def _deal_key_problems(pb: Playbook) -> list[tuple[Path, str]]:
    """The keys stages, lost and churn reasons and alert rules are known by, each unique."""
    return [
        *_unique("stages", [s.key for s in pb.stages]),
        *_unique("lost_reasons", [r.key for r in pb.lost_reasons]),
        *_unique("churn_reasons", [r.key for r in pb.churn_reasons]),
        *_unique("alerts", [a.key for a in pb.alerts]),
    ]


def _grading_problems(pb: Playbook) -> list[tuple[Path, str]]:
    """BANT: unique factors and levels, weights adding up to 100, A above B."""
    problems = _unique("factors", [f.key for f in pb.bant.factors], prefix=("bant",))
    for i, factor in enumerate(pb.bant.factors):
        problems += _unique(
            "levels", [lv.key for lv in factor.levels], prefix=("bant", "factors", i)
        )
    weights = sum(f.weight for f in pb.bant.factors)
    if weights != 100:
        problems.append(
            (("bant", "factors"), _("the weights add up to %(n)d, not 100") % {"n": weights})
        )
    if pb.bant.grades.a <= pb.bant.grades.b:
        problems.append(
            (("bant", "grades", "a"), _("the A threshold must be above the B threshold"))
        )
    return problems


def _stage_problems(pb: Playbook) -> list[tuple[Path, str]]:
    """Per stage: a key not reserved, a unique checklist, known exit criteria and movers, and
    next stages that exist and lie ahead."""
    problems: list[tuple[Path, str]] = []
    roles = set(Role.values)
    keys = [s.key for s in pb.stages]
    for i, stage in enumerate(pb.stages):
        at: Path = ("stages", i)
        if stage.key in CLOSED_STAGES:
            problems.append(
                ((*at, "key"), _("%(key)r is reserved for closed deals") % {"key": stage.key})
            )
        problems += _unique("checklist", [c.key for c in stage.checklist], prefix=at)
        evidence = sorted(CRITERIA.keys() - {"checklist.complete"})  # not its own evidence
        for j, item in enumerate(stage.checklist):
            if item.evidence is not None and (
                item.evidence == "checklist.complete" or find_criterion(item.evidence) is None
            ):
                problems.append(
                    (
                        (*at, "checklist", j, "evidence"),
                        _("unknown criterion %(name)r; known: %(known)s")
                        % {"name": item.evidence, "known": ", ".join(evidence)},
                    )
                )
        for j, name in enumerate(stage.exit_criteria):
            if find_criterion(name) is None:
                problems.append(
                    (
                        (*at, "exit_criteria", j),
                        _("unknown criterion %(name)r; known: %(known)s")
                        % {"name": name, "known": ", ".join(sorted(CRITERIA))},
                    )
                )
        for j, role in enumerate(stage.movers):
            if role not in roles:
                problems.append(((*at, "movers", j), _("unknown role %(role)r") % {"role": role}))
        for j, target in enumerate(stage.next or []):
            if target not in keys and target not in CLOSED_STAGES:
                problems.append(((*at, "next", j), _("unknown stage %(key)r") % {"key": target}))
            elif target in keys and keys.index(target) <= i:
                problems.append(
                    (
                        (*at, "next", j),
                        _("stage cycle: %(a)s leads back to %(b)s") % {"a": stage.key, "b": target},
                    )
                )
    return problems


def _approval_problems(pb: Playbook) -> list[tuple[Path, str]]:
    """Discount and payment term approval steps: strictly rising limits, known approvers."""
    problems: list[tuple[Path, str]] = []
    roles = set(Role.values)
    for section in ("discount", "payment_term"):
        steps = getattr(pb.approvals, section)
        limits = [s.max_pct if section == "discount" else s.max_days for s in steps]
        if limits != sorted(limits) or len(set(limits)) != len(limits):
            problems.append((("approvals", section), _("steps must rise strictly")))
        for j, step in enumerate(steps):
            if step.approver is not None and step.approver not in roles:
                problems.append(
                    (
                        ("approvals", section, j, "approver"),
                        _("unknown role %(role)r") % {"role": step.approver},
                    )
                )
    return problems


def _alert_problems(pb: Playbook) -> list[tuple[Path, str]]:
    """One rule per alert kind, each a kind the sweeps know."""
    problems: list[tuple[Path, str]] = [
        (
            ("alerts",),
            _("alert kind %(kind)r has more than one rule; merge them") % {"kind": dup},
        )
        for dup in _duplicates(rule.kind for rule in pb.alerts)
    ]
    for i, rule in enumerate(pb.alerts):
        if rule.kind not in ALERT_KINDS:
            problems.append(
                (
                    ("alerts", i, "kind"),
                    _("unknown alert kind %(kind)r; known: %(known)s")
                    % {"kind": rule.kind, "known": ", ".join(sorted(ALERT_KINDS))},
                )
            )
    return problems


def _contract_problems(pb: Playbook) -> list[tuple[Path, str]]:
    """Unique contract documents and review clauses."""
    problems = _unique("documents", [d.key for d in pb.contracts.documents], prefix=("contracts",))
    for dup in _duplicates(pb.contracts.review_clauses):
        problems.append(
            (("contracts", "review_clauses"), _("duplicate key %(key)r") % {"key": dup})
        )
    return problems


def _delivery_problems(pb: Playbook) -> list[tuple[Path, str]]:
    """Delivery and tickets: unique milestones, severities and roles, the ticket calendar, and
    each severity's solution direction due no earlier than its first response."""
    problems = _unique("milestones", [m.key for m in pb.delivery.milestones], prefix=("delivery",))
    problems += _unique("severities", [v.key for v in pb.tickets.severities], prefix=("tickets",))
    for dup in _duplicates(pb.delivery.roles):
        problems.append((("delivery", "roles"), _("duplicate key %(key)r") % {"key": dup}))
    problems += _calendar_problems(pb)
    for i, severity in enumerate(pb.tickets.severities):
        if severity.solution_direction_hours < severity.first_response_hours:
            problems.append(
                (
                    ("tickets", "severities", i, "solution_direction_hours"),
                    _("the solution direction cannot be due before the first response"),
                )
            )
    return problems


def _calendar_problems(pb: Playbook) -> list[tuple[Path, str]]:
    """The tickets' working calendar: hours, weekdays, and holidays that agree with the
    make-up workdays and the years listed."""
    problems: list[tuple[Path, str]] = []
    hours = pb.tickets.calendar
    if hours.start >= hours.end:
        problems.append(
            (("tickets", "calendar", "end"), _("the working day must end after it starts"))
        )
    for i, day in enumerate(hours.weekdays):
        if not 1 <= day <= 7:
            problems.append(
                (("tickets", "calendar", "weekdays", i), _("give weekdays as 1 (Monday) to 7"))
            )
    for i, day in enumerate(hours.workdays):
        if day in hours.holidays:
            problems.append(
                (
                    ("tickets", "calendar", "workdays", i),
                    _("%(day)s is also a day off under holidays: list it once") % {"day": day},
                )
            )
    for i, year in enumerate(hours.listed_years):
        if hours.listed_years.index(year) != i:
            problems.append(
                (
                    ("tickets", "calendar", "listed_years", i),
                    _("%(year)s is listed twice") % {"year": year},
                )
            )
        elif not any(day.year == year for day in hours.holidays):
            problems.append(
                (
                    ("tickets", "calendar", "listed_years", i),
                    _(
                        "no day off of %(year)s is under holidays: list the year's public "
                        "holidays and make-up working days first"
                    )
                    % {"year": year},
                )
            )
    return problems


def _revisit_problems(pb: Playbook) -> list[tuple[Path, str]]:
    """Revisit intervals: known customer tiers, 1 to 730 days."""
    problems: list[tuple[Path, str]] = []
    for tier, days in pb.revisit_days.items():
        if tier not in Tier.values:
            problems.append(
                (("revisit_days", tier), _("unknown customer tier %(tier)r") % {"tier": tier})
            )
        elif not 1 <= days <= 730:
            problems.append((("revisit_days", tier), _("give a number of days from 1 to 730")))
    return problems


def _enablement_problems(pb: Playbook) -> list[tuple[Path, str]]:
    """New-hire plans for known roles, one certification per existing stage, and a
    certification for the stage after each one whose exit needs the owner certified."""
    problems: list[tuple[Path, str]] = []
    roles = set(Role.values)
    keys = [s.key for s in pb.stages]
    for role in pb.enablement.new_hire:
        if role not in roles:
            problems.append(
                (("enablement", "new_hire", role), _("unknown role %(role)r") % {"role": role})
            )
    for dup in _duplicates(c.stage for c in pb.enablement.certifications):
        problems.append(
            (("enablement", "certifications"), _("duplicate key %(key)r") % {"key": dup})
        )
    for i, cert in enumerate(pb.enablement.certifications):
        if cert.stage not in keys:
            problems.append(
                (
                    ("enablement", "certifications", i, "stage"),
                    _("unknown stage %(key)r") % {"key": cert.stage},
                )
            )
    for i, stage in enumerate(pb.stages):
        if "enablement.owner_certified" in stage.exit_criteria:
            following = keys[i + 1] if i + 1 < len(keys) else None
            if following is None or pb.enablement.certification(following) is None:
                problems.append(
                    (
                        ("stages", i, "exit_criteria"),
                        _(
                            "enablement.owner_certified needs a certification for the next "
                            "stage in enablement.certifications"
                        ),
                    )
                )
    return problems


# In the order their problems are reported.
CHECKERS = (
    _lead_problems,
    _deal_key_problems,
    _grading_problems,
    _stage_problems,
    _approval_problems,
    _alert_problems,
    _contract_problems,
    _delivery_problems,
    _revisit_problems,
    _enablement_problems,
)


def semantic_errors(pb: Playbook) -> list[tuple[Path, str]]:
    """What pydantic cannot see: names that must exist, keys that must be unique, orderings."""
    return [problem for check in CHECKERS for problem in check(pb)]
