"""The audit trail kept by django-auditlog: whom each row is attributed to (audit_actor), and
reading it in the reader's language."""

import copy
import ipaddress
import json
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from auditlog.cid import get_cid, set_cid
from auditlog.diff import model_instance_diff
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Model
from django.http import Http404
from django.utils import dateparse, formats, timezone
from django.utils.translation import gettext, pgettext_lazy

from salesop.core.bilingual import in_language
from salesop.core.money import format_amount

ACTION_LABELS = {
    LogEntry.Action.CREATE: pgettext_lazy("audit action", "created"),
    LogEntry.Action.UPDATE: pgettext_lazy("audit action", "changed"),
    LogEntry.Action.DELETE: pgettext_lazy("audit action", "deleted"),
    LogEntry.Action.ACCESS: pgettext_lazy("audit action", "viewed"),
}
# Values auditlog writes for "nothing"; shown as a dash.
_EMPTY = {"None", "", "[]", "{}"}

# Keys whose words are data, not code (the playbook's stages, reasons, BANT levels): a model
# names the vocabulary of each such field in AUDIT_VOCABULARIES ({"stage": "stages"}), and the
# app that owns the vocabulary registers how its keys read (`audit_vocabulary`).
_VOCABULARIES: dict[str, Callable[[Model], Mapping[str, str]]] = {}


def audit_vocabulary(name: str):
    """Registers fn(record) -> {key: label in the active language} as the vocabulary `name`,
    for the record whose trail is read. A JSON object's value is looked up as "key.value"
    first (a BANT factor's level), then alone."""

    def register(fn: Callable[[Model], Mapping[str, str]]):
        _VOCABULARIES[name] = fn
        return fn

    return register


@dataclass
class AuditRow:
    timestamp: datetime
    actor: object
    action: str
    changes: list[tuple[str, str, str]]


def audit_entries_for(instance: Model, limit: int = 50) -> list[AuditRow]:
    entries = LogEntry.objects.get_for_object(instance).select_related("actor", "content_type")[
        :limit
    ]
    reader = _Reader(instance)
    rows = []
    for entry in entries:
        changes = [
            change
            for name, values in entry.changes_dict.items()
            if (change := reader.change(name, values)) is not None
        ] + _m2m_changes(entry)
        if entry.action == LogEntry.Action.CREATE:  # a new record: what it started with
            changes = [change for change in changes if change[2]]
        if not changes and entry.action == LogEntry.Action.UPDATE:
            continue  # nothing a reader would see changed
        rows.append(
            AuditRow(entry.timestamp, entry.actor, ACTION_LABELS.get(entry.action, ""), changes)
        )
    return rows


class _Reader:
    """One model's audited values in words: the field's name, a choice's or a vocabulary's
    label, yes or no, a JSON value as "label: value" pairs, a related record by its name."""

    def __init__(self, record: Model):
        self.record = record
        self.model = model = type(record)
        audited = auditlog.get_model_fields(model) if auditlog.contains(model) else {}
        self.audited = set(audited.get("include_fields") or ())
        self.vocabularies: dict[str, Mapping[str, str]] = {}

    def change(self, name: str, values) -> tuple[str, str, str] | None:
        if not isinstance(values, list | tuple) or len(values) != 2:
            return None  # a many-to-many change: _m2m_changes reads those
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None  # a column that is gone
        if field.primary_key or (self.audited and name not in self.audited):
            return None  # no longer audited: bookkeeping an older entry still carries
        if isinstance(field, models.JSONField):
            values = _changed_keys(*values)  # an object's changed keys only, before any cut
        before, after = self.value(field, values[0]), self.value(field, values[1])
        if before == after:
            return None  # written again as it was ("480000" then "480000.00")
        return (str(field.verbose_name), before, after)

    def labels(self, field) -> Mapping[str, str]:
        name = getattr(self.model, "AUDIT_VOCABULARIES", {}).get(field.name)
        if name is None:
            return {}
        if name not in self.vocabularies:
            self.vocabularies[name] = _VOCABULARIES[name](self.record)
        return self.vocabularies[name]

    def value(self, field, value) -> str:
        if value is None or str(value) in _EMPTY:
            return ""
        text = self.words(field, str(value))
        limit = settings.AUDITLOG_CHANGE_DISPLAY_TRUNCATE_LENGTH
        return text[:limit] + "…" if 0 <= limit < len(text) else text

    def words(self, field, value: str) -> str:
        if isinstance(field, models.BooleanField):
            return gettext("yes") if value == "True" else gettext("no")
        if field.choices:
            try:
                return str(dict(field.flatchoices).get(field.to_python(value), value))
            except ValidationError:
                return value
        if isinstance(field, models.ForeignKey):
            return _related(field, value)
        if isinstance(field, models.JSONField):
            return _json(value, self.labels(field))
        if isinstance(field, models.DecimalField):
            try:
                return format_amount(Decimal(value), field.decimal_places)
            except (InvalidOperation, TypeError):
                return value
        if isinstance(field, models.DateTimeField):
            moment = dateparse.parse_datetime(value)
            if moment is not None:
                if timezone.is_naive(moment):  # auditlog keeps UTC without its offset
                    moment = moment.replace(tzinfo=UTC)
                return formats.localize(timezone.localtime(moment))
        elif isinstance(field, models.DateField):
            day = dateparse.parse_date(value)
            return formats.localize(day) if day else value
        return self.labels(field).get(value, value)


def _changed_keys(before, after) -> tuple:
    """Of two JSON objects, only the keys whose values differ (a record's many custom fields
    or BANT answers, one of them changed): the change reads as what changed, and a long
    object cut for display cannot hide it. Anything else is returned as it is."""
    try:
        old = json.loads(before) if isinstance(before, str) and before not in _EMPTY else {}
        new = json.loads(after) if isinstance(after, str) and after not in _EMPTY else {}
    except ValueError:
        return before, after
    if not isinstance(old, dict) or not isinstance(new, dict):
        return before, after
    keys = [k for k in {**old, **new} if old.get(k) != new.get(k)]
    return (
        json.dumps({k: old[k] for k in keys if k in old}, ensure_ascii=False),
        json.dumps({k: new[k] for k in keys if k in new}, ensure_ascii=False),
    )


def _related(field, value: str) -> str:
    """The related record by its name (one query, as auditlog's own display makes)."""
    related = field.related_model
    try:
        found = related._default_manager.filter(pk=related._meta.pk.to_python(value)).first()
    except (ValidationError, ValueError):
        found = None
    if found is None:
        return gettext("%(record)s %(id)s (deleted)") % {
            "record": related._meta.verbose_name,
            "id": value,
        }
    return str(found)


def _json(text: str, labels: Mapping[str, str]) -> str:
    """A JSON value in words: an object as "label: value" pairs, a list as its items, an item
    carrying label_zh and label_en as the reader's one of the two."""
    try:
        data = json.loads(text)
    except ValueError:
        return text

    def word(value, key: str = "") -> str:
        if isinstance(value, dict):
            if "label_zh" in value and "label_en" in value:
                return in_language(str(value["label_zh"]), str(value["label_en"]))
            order = {known: i for i, known in enumerate(labels)}  # the vocabulary's order
            items = sorted(value.items(), key=lambda kv: order.get(str(kv[0]), len(order)))
            return "; ".join(f"{labels.get(str(k), k)}: {word(v, str(k))}" for k, v in items)
        if isinstance(value, list):
            return ", ".join(word(item, key) for item in value)
        if isinstance(value, bool):
            return gettext("yes") if value else gettext("no")
        if value is None:
            return "—"
        value = str(value)
        return labels.get(f"{key}.{value}", labels.get(value, value))

    return word(data)


def _m2m_changes(entry) -> list[tuple[str, str, str]]:
    """Who was added to or removed from a many-to-many field (auditlog keeps these as
    {"type": "m2m", "operation", "objects"}): removed ones as the old value, added as new."""
    model = entry.content_type.model_class()
    rows = []
    for name, change in entry.changes_dict.items():
        if not (isinstance(change, dict) and change.get("type") == "m2m") or model is None:
            continue
        label = str(model._meta.get_field(name).verbose_name)
        names = ", ".join(str(o) for o in change.get("objects", []))
        removed = change.get("operation") == "delete"
        rows.append((label, names if removed else "", "" if removed else names))
    return rows


# The records whose trail a page shows, by model label: how a reader fetches one (the app's
# visibility selector, 404 for what they may not see). The trail loads when opened.
_SHOWN: dict[str, Callable[[Any, int], Model]] = {}


def audit_shown(model: type[Model], fetch: Callable[[Any, int], Model]) -> None:
    _SHOWN[model._meta.label_lower] = fetch


def audit_record_for(user, label: str, pk: int) -> Model:
    """The record whose trail `user` opens: 404 for a kind no page shows and for a record the
    user may not see."""
    if label not in _SHOWN:
        raise Http404
    return _SHOWN[label](user, pk)


_BLOCK: ContextVar[dict | None] = ContextVar("salesop_audit_block", default=None)


@contextmanager
def audit_actor(user, **request):
    """Attributes the audit rows written inside the block to `user`: services call it with their
    `by`, so changes from the command line and jobs are attributed as well as web requests. A
    block inside another (a service inside the request's) keeps the request's address and, on
    leaving, gives the outer block its actor back. django-auditlog's own blocks did neither
    when nested: the rows written after an inner block were attributed to no one and the outer
    block's signal receiver stayed connected (one more per request, each called on every audit
    row written after, for as long as the process ran)."""
    actor = user if user is not None and user.is_authenticated else None
    token = _BLOCK.set({**(_BLOCK.get() or {}), **request, "actor": actor})
    try:
        yield
    finally:
        _BLOCK.reset(token)


def attribute(sender, instance: LogEntry, **kwargs) -> None:
    """pre_save of every audit row (connected once, core.apps): the innermost block's actor and
    the request's address, unless the row names them itself (audit_created)."""
    block = _BLOCK.get()
    if block is None:
        return
    if instance.actor_id is None:
        instance.actor = block["actor"]
        instance.actor_email = getattr(block["actor"], "email", None)
    if instance.remote_addr is None:
        instance.remote_addr = block.get("remote_addr")


def client_address(request) -> str | None:
    """The address the audit trail records: the connection's, or behind the reverse proxy the
    last of X-Forwarded-For (the one the proxy adds; those before it are whatever the client
    sent). None unless it is an IP address: django-auditlog took the header's first value as
    it came, so anyone could write the address, and on PostgreSQL a value that is not an
    address failed the request's every audited write (500)."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_PROXY:
        address = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip() or address
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class AuditMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware (the request's correlation id, actor and address) through
    audit_actor."""

    def __call__(self, request):
        set_cid(request)
        with audit_actor(self._get_actor(request), remote_addr=client_address(request)):
            return self.get_response(request)


def audit_created(instances: list[Model], *, by) -> None:
    """Records rows written by bulk_create (which sends no signals) in the audit trail as
    created by `by`, one entry each with what it started with, as a save() would: one INSERT."""
    if not instances:
        return
    content_type = ContentType.objects.get_for_model(instances[0])
    cid = get_cid()
    address = (_BLOCK.get() or {}).get("remote_addr")
    LogEntry.objects.bulk_create(
        LogEntry(
            content_type=content_type,
            object_pk=str(instance.pk),
            object_id=instance.pk,
            object_repr=str(instance),
            action=LogEntry.Action.CREATE,
            changes=model_instance_diff(None, instance),
            actor=by if by is not None and by.is_authenticated else None,
            actor_email=getattr(by, "email", None) if by is not None else None,
            remote_addr=address,
            cid=cid,
        )
        for instance in instances
    )


def audit_register(model: type[Model], *, exclude=(), m2m=()) -> None:
    """Audits the model's own columns (and the named many-to-many fields) only. auditlog
    would otherwise also diff reverse relations, so every new model pointing at this one
    would show up as a change ("needs: None") in its trail."""
    from auditlog.registry import auditlog

    own = [f.name for f in model._meta.concrete_fields if f.name not in set(exclude)]
    auditlog.register(model, include_fields=own + list(m2m), m2m_fields=set(m2m))


def guarded_update(instance: Model, guard: dict, **changes) -> bool:
    """Writes `changes` only if the row still matches `guard` (the portable lock: a conditional
    UPDATE), and records the change in the audit trail as a save() would."""
    before = copy.copy(instance)
    if not type(instance)._default_manager.filter(pk=instance.pk, **guard).update(**changes):
        return False
    instance.refresh_from_db()
    changed = model_instance_diff(before, instance)
    if changed:
        LogEntry.objects.log_create(instance, action=LogEntry.Action.UPDATE, changes=changed)
    return True
