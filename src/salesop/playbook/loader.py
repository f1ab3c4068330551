"""Turns playbook YAML into a validated Playbook, or into a list of errors that each say where
(a path like `stages[2].exit_criteria[0]` and the line) and what is wrong."""

import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from salesop.accounts.models import Role
from salesop.core.errors import schema_message
from salesop.core.money import format_amount
from salesop.customers.models import Tier
from salesop.playbook.registry import ALERT_KINDS, CRITERIA
from salesop.playbook.schema import CLOSED_STAGES, REQUIRED_LEAD_STATUSES, Playbook

Path = tuple[str | int, ...]

MAX_SIZE = 256 * 1024
# YAML aliases repeat a value without repeating its text, so a few hundred bytes can stand for
# a billion values (an alias bomb ran `playbook validate` to 2.96 GB). The shipped playbook has
# 1,282 values, 8 levels deep, and no alias: these bounds leave room for any honest playbook
# and are checked while the document is composed, before anything is expanded.
MAX_ALIASES = 100
MAX_VALUES = 50_000  # counting each alias as the values it stands for
MAX_DEPTH = 32  # YAML is composed recursively: thousands of "[" are a RecursionError


@dataclass(frozen=True)
class PlaybookError:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line:
            where = f"{self.path} (line {self.line})" if self.path else f"line {self.line}"
        else:
            where = self.path or "document"
        return f"{where}: {self.message}"


class InvalidPlaybook(Exception):
    def __init__(self, errors: list[PlaybookError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def format_path(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


YAML_TAG = "tag:yaml.org,2002:"


def _shown(value: str) -> str:
    if len(value) <= 40:
        return repr(value)
    return _("%(start)r… (%(n)s characters)") % {
        "start": value[:20],
        "n": format_amount(len(value)),
    }


class _BoundedComposer(Composer):
    """ruamel's composer refusing, at the line where it happens, more aliases, values or depth
    than the bounds above, and an alias inside the value it names (a cycle)."""

    def __init__(self, loader=None):
        super().__init__(loader)
        self._aliases = 0
        self._values = 0  # values composed so far, aliases expanded
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> its values, aliases expanded
        self.paths: dict[int, Path] = {}  # id(node) -> the first path it is at

    def _count(self, values: int, mark) -> None:
        self._values += values
        if self._values > MAX_VALUES:
            _refuse(
                mark,
                _("more than %(n)s values, each alias counted as the values it repeats")
                % {"n": format_amount(MAX_VALUES)},
            )

    def compose_node(self, parent, index):
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                _refuse(
                    event.start_mark,
                    _("more than %(n)d aliases; *%(name)s is one too many")
                    % {"n": MAX_ALIASES, "name": event.anchor},
                )
            node = super().compose_node(parent, index)  # refuses an undefined alias
            size = self._sizes.get(id(node))
            if size is None:  # its anchor's value is still being composed
                _refuse(
                    event.start_mark,
                    _("the alias *%(name)s is inside the value it names") % {"name": event.anchor},
                )
            self._count(size, event.start_mark)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            _refuse(event.start_mark, _("nested more than %(n)d levels deep") % {"n": MAX_DEPTH})
        before = self._values
        node = super().compose_node(parent, index)
        self._count(1, event.start_mark)
        self._sizes[id(node)] = self._values - before
        self._depth -= 1
        return node


class _PathConstructor(SafeConstructor):
    """ruamel's safe constructor refusing, at the path and line of the value, any value Python
    cannot build from its text."""

    def __init__(self, preserve_quotes=None, loader=None):
        super().__init__(preserve_quotes=preserve_quotes, loader=loader)
        # Each value is built inside the construct_object call for its node, so a failure
        # is caught there knowing which node (and so which path and line) it was; the
        # bounded depth keeps this recursion shallow.
        self.deep_construct = True

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except InvalidPlaybook:
            raise
        # Building a value runs Python code on the text: a 30 February is a ValueError, a
        # 5,000-digit number exceeds int()'s limit, `!!int ""` an IndexError, `!!timestamp`
        # on no date an AttributeError. Whatever it raises, the value is refused where it is.
        except Exception as exc:
            mark = getattr(exc, "problem_mark", None) or node.start_mark
            if isinstance(exc, YAMLError):
                reason = getattr(exc, "problem", None) or str(exc)
                message = _("not valid YAML: %(reason)s") % {"reason": reason}
            else:
                kind = node.tag.removeprefix(YAML_TAG) if isinstance(node.tag, str) else node.tag
                value = node.value if isinstance(node, ScalarNode) else ""
                message = _("cannot read %(value)s as a YAML %(kind)s") % {
                    "value": _shown(value),
                    "kind": kind,
                }
            path = format_path(self.composer.paths.get(id(node), ()))
            raise InvalidPlaybook([PlaybookError(path, mark.line + 1, message)]) from None


def _refuse(mark, message: str):
    raise InvalidPlaybook([PlaybookError("", mark.line + 1, message)])


def _load(text: str):
    """The composed node tree (for lines) and the data built from it, within the bounds."""
    yaml = YAML(typ="safe", pure=True)
    # YAML 1.1, as the playbooks stored so far were read: `yes` and `on` are booleans.
    yaml.version = (1, 1)
    yaml.Composer = _BoundedComposer
    yaml.Constructor = _PathConstructor
    yaml.allow_duplicate_keys = True  # _line_map reports each one at its path and line
    constructor, parser = yaml.get_constructor_parser(text)
    try:
        root = constructor.composer.get_single_node()
        lines: dict[Path, int] = {}
        dupes: list[tuple[Path, int]] = []
        if root is not None:
            # before construction merges `<<` keys in place
            _line_map(root, (), lines, dupes, constructor.composer.paths)
        data = constructor.construct_document(root) if root is not None else None
    finally:
        parser.dispose()
    return data, lines, dupes


def yaml_data(text: str):
    """The data in a YAML text, read as playbooks are (within the bounds, YAML 1.1)."""
    return _load(text)[0]


def yaml_text(data) -> str:
    """Data as YAML text a person can read: keys in their order, Chinese as itself."""
    yaml = YAML(typ="safe", pure=True)
    # Written as YAML 1.1, which quotes what 1.1 would read otherwise (`18:00` is a number
    # there, `on` a boolean): quoted, a 1.1 and a 1.2 reader agree, so the directive is left off.
    yaml.version = (1, 1)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 120
    yaml.sort_base_mapping_type_on_output = False
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue().removeprefix("%YAML 1.1\n---\n")


def _line_map(
    node,
    path: Path,
    lines: dict[Path, int],
    dupes: list[tuple[Path, int]],
    paths: dict[int, Path],
) -> None:
    lines[path] = node.start_mark.line + 1
    paths.setdefault(id(node), path)
    if isinstance(node, MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                # Python cannot use a list or a mapping as a key, and no playbook needs one.
                raise InvalidPlaybook(
                    [
                        PlaybookError(
                            format_path(path),
                            key_node.start_mark.line + 1,
                            _("a key must be a single value, not a list or a mapping"),
                        )
                    ]
                )
            key = key_node.value
            if key in seen:
                dupes.append(((*path, key), key_node.start_mark.line + 1))
            seen.add(key)
            paths.setdefault(id(key_node), (*path, key))
            _line_map(value_node, (*path, key), lines, dupes, paths)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, (*path, i), lines, dupes, paths)


def _line_for(path: Path, lines: dict[Path, int]) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


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
            if item.evidence is not None and item.evidence not in evidence:
                problems.append(
                    (
                        (*at, "checklist", j, "evidence"),
                        _("unknown criterion %(name)r; known: %(known)s")
                        % {"name": item.evidence, "known": ", ".join(evidence)},
                    )
                )
        for j, name in enumerate(stage.exit_criteria):
            if name not in CRITERIA:
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


def parse_playbook(text: str) -> Playbook:
    """The validated playbook, or InvalidPlaybook listing every error with path and line."""
    if len(text.encode()) > MAX_SIZE:
        raise InvalidPlaybook([PlaybookError("", None, _("the playbook is larger than 256 KB"))])
    try:
        data, lines, dupes = _load(text)
    except ReaderError as exc:
        # A character YAML does not allow (NUL, a control character): its line from its position.
        raise InvalidPlaybook(
            [
                PlaybookError(
                    "",
                    text.count("\n", 0, exc.position) + 1,
                    _("not valid YAML: the character U+%(code)04X is not allowed")
                    % {"code": exc.character if isinstance(exc.character, int) else 0},
                )
            ]
        ) from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        raise InvalidPlaybook(
            [
                PlaybookError(
                    "",
                    mark.line + 1 if mark else None,
                    _("not valid YAML: %(reason)s") % {"reason": reason},
                )
            ]
        ) from None
    if not isinstance(data, dict):
        raise InvalidPlaybook(
            [PlaybookError("", 1, _("the playbook must be a mapping of sections"))]
        )
    if dupes:
        raise InvalidPlaybook(
            [PlaybookError(format_path(p), line, _("this key appears twice")) for p, line in dupes]
        )
    try:
        playbook = Playbook.model_validate(data)
    except ValidationError as exc:
        raise InvalidPlaybook(
            [
                PlaybookError(
                    format_path(e["loc"]), _line_for(tuple(e["loc"]), lines), schema_message(e)
                )
                for e in exc.errors()
            ]
        ) from None
    errors = semantic_errors(playbook)
    if errors:
        raise InvalidPlaybook(
            [PlaybookError(format_path(p), _line_for(p, lines), msg) for p, msg in errors]
        )
    return playbook
