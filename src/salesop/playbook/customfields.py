"""Fields sales ops adds to records, one check for every way a value arrives.

A definition (playbook.FieldDefinition) names a kind of record, a key, a type and its labels;
the values live in the record's `custom` JSON column under the key. `clean` is the one check of
values, used by forms, the API, imports and the inline edit; `write` the one write of a record's
values (versioned, audited, an event). Definitions change through `define`, `redefine`,
`delete`, `restore` and `purge`, each refusing a change the stored values would not survive and
naming the records in the way."""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import F, Func, Model, Q, TextField, Value
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.models import User
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError
from salesop.core.parsing import ParseError, parse_date, parse_decimal
from salesop.core.versioned import check_read, versioned_update
from salesop.playbook.models import FieldDefinition, FieldKind, FieldModel

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TEXT_MAX = {FieldKind.TEXT: 500, FieldKind.LONG_TEXT: 5000}
NUMBER = re.compile(r"^-?[0-9]{1,15}(\.[0-9]{1,4})?$")
MONEY = re.compile(r"^[0-9]{1,15}(\.[0-9]{1,2})?$")
CHOICES_MAX = 100
EXAMPLES_SHOWN = 10  # records named in a refusal; the count says how many more

STALE = gettext_lazy("Someone else changed this record a moment ago. Reload it and try again.")
DEFINITION_STALE = gettext_lazy(
    "Someone else changed this field a moment ago. Reload it and try again."
)


def model_of(label: str) -> type[Model]:
    return apps.get_model(label)


def definitions(label: str, *, with_deleted: bool = False) -> list[FieldDefinition]:
    """The fields of one kind of record, in their order."""
    rows = FieldDefinition.objects.filter(model=label)
    if not with_deleted:
        rows = rows.filter(deleted_at__isnull=True)
    return list(rows.order_by("position", "id"))


def live_values(instance: Model, request=None) -> dict:
    """The record's values of its live fields (a deleted field's stay hidden until purged or
    restored); the live keys are read once per request."""
    stored = instance.custom or {}
    if not stored:
        return {}
    label = instance._meta.label_lower
    cache = getattr(request, "_custom_keys", None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            request._custom_keys = cache
    if label not in cache:
        cache[label] = {f.key for f in definitions(label)}
    return {key: value for key, value in stored.items() if key in cache[label]}


def values_of(instance: Model, fields: list[FieldDefinition]) -> list[tuple[FieldDefinition, Any]]:
    """The record's value of each live field, None where it has none."""
    stored = instance.custom or {}
    return [(field, stored.get(field.key)) for field in fields]


def as_text(field: FieldDefinition, value: Any, people: dict[int, str] | None = None) -> str:
    """A stored value as a person reads it in a cell: a choice's label, several joined, a
    person's name (from `people`, a file's worth of rows read once, else asked for), yes or
    no; money and numbers as their decimal; "" for none."""
    if value is None or value == []:
        return ""
    kind = field.kind
    if kind == FieldKind.CHOICE:
        return field.choice_label(value)
    if kind == FieldKind.MULTI_CHOICE:
        return "、".join(field.choice_label(key) for key in value)
    if kind == FieldKind.BOOLEAN:
        return _("Yes") if value else _("No")
    if kind == FieldKind.USER:
        if people is not None:
            return people.get(value, "")
        person = User.objects.filter(pk=value).first()
        return str(person) if person else ""
    return str(value)


def people_named(fields: list[FieldDefinition]) -> dict[int, str] | None:
    """Everyone by id, for `as_text` over many rows, when a field holds a person."""
    if not any(field.kind == FieldKind.USER for field in fields):
        return None
    return {person.pk: str(person) for person in User.objects.all()}


# --- One value -----------------------------------------------------------------------------


class Invalid(ValueError):
    """A value the field cannot take; its text says why, in the reader's language."""


def parse(field: FieldDefinition, raw: Any) -> Any:
    """The stored form of `raw` (a form's text, an import cell or a JSON value), None for an
    empty one; Invalid when the field's type refuses it. Numbers and money are kept as decimal
    strings (JSON's numbers are binary floats), dates as ISO dates, a person as a user id."""
    if raw is None or (isinstance(raw, str | list) and not raw):
        return None
    kind = field.kind
    if kind in TEXT_MAX:
        if not isinstance(raw, str):
            raise Invalid(_("Enter text."))
        text = raw.strip()
        if len(text) > TEXT_MAX[kind]:
            raise Invalid(_("Enter at most %(n)d characters.") % {"n": TEXT_MAX[kind]})
        return text or None
    if kind in (FieldKind.NUMBER, FieldKind.MONEY):
        return _decimal(field, raw)
    if kind == FieldKind.DATE:
        return _date(raw)
    if kind == FieldKind.CHOICE:
        return _choice(field, raw)
    if kind == FieldKind.MULTI_CHOICE:
        keys = raw if isinstance(raw, list) else [raw]
        picked = {_choice(field, key) for key in keys}
        return [c["key"] for c in field.choices if c["key"] in picked]  # in the offered order
    if kind == FieldKind.USER:
        return _user(raw)
    if kind == FieldKind.BOOLEAN:
        return _boolean(raw)
    raise Invalid(_("This field's type is unknown."))


# What core.parsing strips from an amount, by the currencies it may mean.
CURRENCY_MARKS = {
    "¥": ("CNY", "JPY"),
    "￥": ("CNY", "JPY"),
    "元": ("CNY",),
    "RMB": ("CNY",),
    "CNY": ("CNY",),
    "$": ("USD", "HKD"),
    "USD": ("USD",),
    "€": ("EUR",),
    "£": ("GBP",),
}
CENTS = Decimal("0.01")


def _decimal(field: FieldDefinition, raw: Any) -> str:
    """A number as a spreadsheet or a person writes it (core.parsing: 1,000,000.50, 12.5万),
    kept in one written form per value, so a filter finds it however it was typed: money to
    the cent, never below zero, in the field's own currency; a number without trailing
    zeros."""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise Invalid(_("Enter a number."))
    money = field.kind == FieldKind.MONEY
    if money and isinstance(raw, str):
        currency = field.currency or "CNY"
        foreign = [m for m, means in CURRENCY_MARKS.items() if m in raw and currency not in means]
        if foreign:
            raise Invalid(
                _("Enter the amount in %(currency)s, the field's currency.")
                % {"currency": currency}
            )
    try:
        value = parse_decimal(raw)
    except ParseError:
        value = None
    if money:
        fits = value is not None and value >= 0 and value == value.quantize(CENTS)
        text = f"{value.quantize(CENTS):f}" if fits else ""
        if not MONEY.match(text):
            raise Invalid(_("Enter an amount of 0 or more with at most 2 decimal places."))
        return text
    text = "" if value is None else f"{(value.normalize() if value else Decimal(0)):f}"
    if not NUMBER.match(text):
        raise Invalid(_("Enter a number with at most 15 digits and 4 decimal places."))
    return text


def _date(raw: Any) -> str:
    """A date year first, as core.parsing reads one (2026-12-05, 2026/12/5, 2026年12月5日)."""
    try:
        day = parse_date(raw)
    except ParseError:
        day = None
    if day is None:
        raise Invalid(_("Enter a date as YYYY-MM-DD."))
    return day.isoformat()


def _choice(field: FieldDefinition, raw: Any) -> str:
    keys = [c["key"] for c in field.choices]
    if isinstance(raw, str) and raw.strip() in keys:
        return raw.strip()
    if isinstance(raw, str):  # an import's cell may carry the label instead of the key
        for choice in field.choices:
            if raw.strip() in (choice["zh"], choice["en"]):
                return choice["key"]
    raise Invalid(_("Choose one of: %(keys)s.") % {"keys": ", ".join(keys)})


def _user(raw: Any) -> int:
    if isinstance(raw, bool):
        raise Invalid(_("Choose a person."))
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, int) and User.objects.filter(pk=raw, is_active=True).exists():
        return raw
    if isinstance(raw, str):  # an import names the person
        match = User.objects.filter(is_active=True).filter(
            Q(username__iexact=raw.strip()) | Q(full_name=raw.strip())
        )
        found = list(match.values_list("pk", flat=True)[:2])
        if len(found) == 1:
            return found[0]
    raise Invalid(_("Choose a person who works here."))


TRUE = {"true", "1", "yes", "y", "on", "是", "对"}
FALSE = {"false", "0", "no", "n", "off", "否", "不"}


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in TRUE | FALSE:
        return raw.strip().lower() in TRUE
    raise Invalid(_("Enter yes or no."))


# --- A record's values ---------------------------------------------------------------------


def clean(label: str, incoming: dict, *, current: dict | None, creating: bool = False) -> dict:
    """The record's values after `incoming` (key -> raw value; None or "" clears one) is
    applied to `current`: refused (DomainError) naming every field in the way, as
    "custom.<key>" (an unknown key, a value of the wrong type, a required field left empty).
    A new record must fill every required field."""
    fields = {f.key: f for f in definitions(label)}
    merged = dict(current or {})
    problems: dict[str, str] = {}
    for key, raw in incoming.items():
        field = fields.get(key)
        if field is None:
            problems[f"custom.{key}"] = _("There is no such field.")
            continue
        try:
            value = parse(field, raw)
        except Invalid as exc:
            problems[f"custom.{key}"] = str(exc)
            continue
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    checked = fields.values() if creating else (fields[k] for k in incoming if k in fields)
    for field in checked:
        if field.required and merged.get(field.key) is None:
            problems.setdefault(f"custom.{field.key}", _("This field is required."))
    if problems:
        raise DomainError(
            "invalid_custom",
            _("Please correct the fields marked: %(fields)s.")
            % {"fields": ", ".join(_label(fields, k) for k in problems)},
            problems,
        )
    return merged


def _label(fields: dict[str, FieldDefinition], path: str) -> str:
    key = path.removeprefix("custom.")
    return str(fields[key].label) if key in fields else key


@transaction.atomic
def write(instance: Model, values: dict, *, by: User, expected_version: int | None = None) -> Model:
    """Sets some of a record's custom values: checked by `clean`, written on the version the
    writer read (409 otherwise), audited and announced like any edit of the record. Values as
    they already are write nothing: no new version, no empty audit entry."""
    check_read(instance, expected_version, stale=STALE)
    merged = clean(instance._meta.label_lower, values, current=instance.custom)
    if merged != (instance.custom or {}):
        versioned_update(instance, by=by, stale=STALE, custom=merged or None)
    return instance


# --- Definitions ---------------------------------------------------------------------------


@dataclass
class Spec:
    """What sales ops says of a field."""

    label_zh: str
    label_en: str
    kind: str
    choices: list[dict]
    currency: str = ""
    required: bool = False


def _require_ops(by: User) -> None:
    if not by.can_administer:
        raise DomainError("forbidden", _("Only sales operations define fields."))


def _check_spec(spec: Spec) -> dict[str, str]:
    problems: dict[str, str] = {}
    for name in ("label_zh", "label_en"):
        value = getattr(spec, name).strip()
        setattr(spec, name, value)
        if not value:
            problems[name] = _("Required.")
        elif len(value) > 100:
            problems[name] = _("Enter at most %(n)d characters.") % {"n": 100}
    if spec.kind not in FieldKind.values:
        problems["kind"] = _("Choose one of: %(keys)s.") % {"keys": ", ".join(FieldKind.values)}
    if spec.kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE):
        problems |= _check_choices(spec)
    else:
        spec.choices = []
    if spec.kind == FieldKind.MONEY:
        from salesop.core.money import Currency

        spec.currency = spec.currency or Currency.CNY
        if spec.currency not in Currency.values:
            problems["currency"] = _("Choose one of: %(keys)s.") % {
                "keys": ", ".join(Currency.values)
            }
    else:
        spec.currency = ""
    return problems


def _check_choices(spec: Spec) -> dict[str, str]:
    if not spec.choices:
        return {"choices": _("Give at least one choice.")}
    if len(spec.choices) > CHOICES_MAX:
        return {"choices": _("At most %(n)d choices.") % {"n": CHOICES_MAX}}
    seen: set[str] = set()
    for i, choice in enumerate(spec.choices, start=1):
        key = str(choice.get("key", "")).strip()
        zh, en = str(choice.get("zh", "")).strip(), str(choice.get("en", "")).strip()
        if not KEY.match(key):
            return {
                "choices": _(
                    "Choice %(n)d: the key must be lower-case letters, digits and _, starting "
                    "with a letter."
                )
                % {"n": i}
            }
        if key in seen:
            return {
                "choices": _("Choice %(n)d: the key %(key)s is given twice.") % {"n": i, "key": key}
            }
        if not zh or not en or len(zh) > 100 or len(en) > 100:
            return {
                "choices": _("Choice %(n)d: give both labels, at most 100 characters each.")
                % {"n": i}
            }
        seen.add(key)
        choice.clear()
        choice.update(key=key, zh=zh, en=en)
    return {}


def _refuse(problems: dict[str, str]) -> None:
    if problems:
        raise DomainError("invalid", _("Please correct the fields marked."), problems)


@transaction.atomic
def define(*, by: User, model: str, key: str, spec: Spec) -> FieldDefinition:
    """A new field on a kind of record. Its key is for good: a deleted field keeps it (and the
    values stored under it) until purged."""
    _require_ops(by)
    problems = _check_spec(spec)
    key = key.strip()
    if model not in FieldModel.values:
        problems["model"] = _("Choose one of: %(keys)s.") % {"keys": ", ".join(FieldModel.values)}
    if not KEY.match(key):
        problems["key"] = _(
            "Lower-case letters, digits and _, starting with a letter, at most 40 characters."
        )
    elif FieldDefinition.objects.filter(model=model, key=key).exists():
        problems["key"] = _(
            "This key is taken by another field of these records (a deleted one keeps its "
            "key until purged)."
        )
    _refuse(problems)
    last = FieldDefinition.objects.filter(model=model).order_by("-position").first()
    field = FieldDefinition(
        model=model, key=key, position=(last.position + 1) if last else 0, **vars(spec)
    )
    with audit_actor(by):
        field.save()
    _index(field)
    return field


@transaction.atomic
def redefine(
    *, field: FieldDefinition, by: User, spec: Spec, expected_version: int | None = None
) -> FieldDefinition:
    """New labels, type, choices or required flag for a field. Refused, naming the records,
    when their stored values would not fit the new type or use a choice taken away."""
    _require_ops(by)
    check_read(field, expected_version, stale=DEFINITION_STALE)
    _refuse(_check_spec(spec))
    draft = FieldDefinition(**{**_spec_of(field), **vars(spec)}, model=field.model, key=field.key)
    misfits = _misfits(field, draft)
    if misfits:
        count, examples = misfits
        message = _(
            "%(count)d records hold values this change would not keep (%(examples)s): "
            "change those values first, or keep the field as it is."
        ) % {"count": count, "examples": ", ".join(examples)}
        if draft.kind != field.kind:
            where = "kind"
        else:
            where = "currency" if draft.currency != field.currency else "choices"
        # the form shows it beside the field: the records are named there, not lost
        raise DomainError("values_in_the_way", message, {where: message})
    versioned_update(field, by=by, stale=DEFINITION_STALE, **vars(spec))
    return field


def _spec_of(field: FieldDefinition) -> dict:
    return {name: getattr(field, name) for name in Spec.__dataclass_fields__}


def _misfits(field: FieldDefinition, draft: FieldDefinition) -> tuple[int, list[str]] | None:
    """The records whose stored value `draft` would refuse: their count and a few names."""
    model = model_of(field.model)
    if (field.kind, field.choices, field.currency) == (draft.kind, draft.choices, draft.currency):
        return None
    holding = model._default_manager.filter(custom__has_key=field.key).order_by("pk")
    bad: list[Model] = []
    count = 0
    for record in holding.iterator(chunk_size=2000):
        value = record.custom.get(field.key)
        try:  # an amount does not change currency by relabelling it
            fits = parse(draft, value) == value and draft.currency == field.currency
        except Invalid:
            fits = False
        if not fits:
            count += 1
            if len(bad) < EXAMPLES_SHOWN:
                bad.append(record)
    if not count:
        return None
    return count, [f"{record} (#{record.pk})" for record in bad]


@transaction.atomic
def delete(*, field: FieldDefinition, by: User) -> FieldDefinition:
    """Hides a field from pages, forms, lists, the API and imports. The values stay under its
    key, for `restore`, until `purge`. Refused while the running playbook gates on it."""
    _require_ops(by)
    gating = gating_stages(field)
    if gating:
        raise DomainError(
            "in_use",
            _(
                "The running playbook asks for this field in: %(stages)s. Take it out of "
                "those exit criteria and checklist items first."
            )
            % {"stages": ", ".join(gating)},
        )
    versioned_update(field, by=by, stale=DEFINITION_STALE, deleted_at=timezone.now())
    return field


@transaction.atomic
def restore(*, field: FieldDefinition, by: User) -> FieldDefinition:
    _require_ops(by)
    versioned_update(field, by=by, stale=DEFINITION_STALE, deleted_at=None)
    return field


@transaction.atomic
def purge(*, field: FieldDefinition, by: User) -> int:
    """Removes a deleted field and every value stored under its key, for good; returns how
    many records held one. Each record's change is audited."""
    _require_ops(by)
    if field.deleted_at is None:
        raise DomainError(
            "not_deleted", _("Delete the field first; purging removes its values for good.")
        )
    model = model_of(field.model)
    holding = model._default_manager.filter(custom__has_key=field.key)
    count = 0
    for record in holding.order_by("pk").iterator(chunk_size=1000):
        rest = {k: v for k, v in record.custom.items() if k != field.key}
        versioned_update(record, by=by, stale=STALE, custom=rest or None)
        count += 1
    _drop_index(field)
    with audit_actor(by):
        field.delete()
    return count


def gating_stages(field: FieldDefinition) -> list[str]:
    """The running playbook's stages, by their labels, whose exit criteria or checklist
    evidence name this field."""
    from salesop.playbook.selectors import active_playbook

    name = criterion_name(field)
    return [
        str(stage.label)
        for stage in active_playbook().stages
        if name in stage.exit_criteria or any(item.evidence == name for item in stage.checklist)
    ]


def criterion_name(field: FieldDefinition) -> str:
    return f"custom.{field.model.split('.')[1]}.{field.key}"


# --- Lists: filter and sort by a field ----------------------------------------------------


class CustomValue(Func):
    """A record's value of custom field `key` as text, written exactly as the field's index
    (`_index`) is, so a list filtered or sorted by it reads the index: json_extract on SQLite,
    ->> on PostgreSQL. The key is a checked name (KEY), never a user's text."""

    output_field = TextField()
    arity = 1

    def __init__(self, key: str, column: str = "custom"):
        if not KEY.match(key):
            raise ValueError(f"not a field key: {key!r}")
        self.key = key
        super().__init__(F(column))

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template=f"json_extract(%(expressions)s, '$.{self.key}')"
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template=f"(%(expressions)s ->> '{self.key}')")


FILTER_PREFIX = "custom."  # a list's query parameter: ?custom.procurement=tender


def matching(field: FieldDefinition, value: Any) -> Q:
    """Records whose `field` holds `value` (for a multi-choice field: among its choices), the
    value checked by the field's type first (Invalid otherwise). Text values compare through
    the field's index (CustomValue); a person's id and yes/no are JSON values of their own."""
    key = field.key
    stored = parse(field, value)
    if stored is None:
        return Q(**{f"custom__{key}__isnull": True}) | Q(custom__isnull=True)
    if field.kind == FieldKind.MULTI_CHOICE:
        return Q(**{f"custom__{key}__icontains": f'"{stored[0]}"'})
    if field.kind in (FieldKind.BOOLEAN, FieldKind.USER):
        return Q(**{f"custom__{key}": stored})
    return Q(Exact(CustomValue(key), Value(str(stored))))


def custom_filters(params) -> dict[str, str]:
    """The `custom.<key>` values among a list's parameters (a query string, a filter form's
    cleaned data) that carry a value, for filter_by."""
    return {k: v for k, v in params.items() if k.startswith(FILTER_PREFIX) and v}


def filter_by(rows, label: str, params) -> Any:
    """`rows` narrowed by each `custom.<key>` among `params` (a list's query string) that names
    a live field of `label` and carries a value; a value the field's type refuses is refused
    (DomainError) naming the field."""
    wanted = {
        name.removeprefix(FILTER_PREFIX): params.get(name)
        for name in params
        if name.startswith(FILTER_PREFIX) and params.get(name)
    }
    if not wanted:
        return rows
    for field in definitions(label):
        if field.key not in wanted:
            continue
        try:
            rows = rows.filter(matching(field, wanted[field.key]))
        except Invalid as exc:
            raise DomainError(
                "invalid_filter",
                _("%(label)s: %(reason)s") % {"label": field.label, "reason": exc},
                {FILTER_PREFIX + field.key: str(exc)},
            ) from None
    return rows


# --- Indexes -------------------------------------------------------------------------------


def _index_name(field: FieldDefinition) -> str:
    return f"custom_{field.model.split('.')[1]}_{field.key}"[:63]


def _index(field: FieldDefinition) -> None:
    """An index on the field's value, for lists filtered or sorted by it (CustomValue): built
    once the definition is committed, without locking the table on PostgreSQL (a million
    leads keep taking writes meanwhile). The key is checked by KEY and the table is the
    model's own: both are names, never a user's text."""
    table, name, key = model_of(field.model)._meta.db_table, _index_name(field), field.key

    def create() -> None:
        if connection.vendor == "sqlite":
            on = f"json_extract(custom, '$.{key}')"
        elif connection.vendor == "postgresql":
            on = f"(custom ->> '{key}')"
        else:
            return
        # CONCURRENTLY only outside a transaction (a test's own is still open)
        concurrently = connection.vendor == "postgresql" and not connection.in_atomic_block
        _run(
            f"CREATE INDEX {'CONCURRENTLY ' if concurrently else ''}IF NOT EXISTS {name} "
            f"ON {table} ({on})"
        )

    transaction.on_commit(create)


def _drop_index(field: FieldDefinition) -> None:
    name = _index_name(field)
    transaction.on_commit(lambda: _run(f"DROP INDEX IF EXISTS {name}"))


def _run(sql: str) -> None:
    if connection.vendor in ("sqlite", "postgresql"):
        with connection.cursor() as cursor:
            cursor.execute(sql)  # nosec B608 (names only, see _index)
