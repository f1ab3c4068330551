"""Reading the audit trail kept by django-auditlog, in the reader's language."""

import copy
from dataclasses import dataclass
from datetime import datetime

from auditlog.cid import get_cid
from auditlog.context import set_actor
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils.translation import pgettext_lazy

ACTION_LABELS = {
    LogEntry.Action.CREATE: pgettext_lazy("audit action", "created"),
    LogEntry.Action.UPDATE: pgettext_lazy("audit action", "changed"),
    LogEntry.Action.DELETE: pgettext_lazy("audit action", "deleted"),
    LogEntry.Action.ACCESS: pgettext_lazy("audit action", "viewed"),
}
# Values auditlog writes for "nothing"; shown as a dash.
_EMPTY = {"None", "", "[]"}
_HIDDEN = {"id", "ID"}


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
    rows = []
    for entry in entries:
        changes = [
            (
                field,
                "" if values[0] in _EMPTY else values[0],
                "" if values[1] in _EMPTY else values[1],
            )
            for field, values in entry.changes_display_dict.items()
            if field not in _HIDDEN and len(values) == 2
        ] + _m2m_changes(entry)
        if entry.action == LogEntry.Action.CREATE:  # a new record: what it started with
            changes = [change for change in changes if change[2]]
        rows.append(
            AuditRow(entry.timestamp, entry.actor, ACTION_LABELS.get(entry.action, ""), changes)
        )
    return rows


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


def audit_actor(user):
    """Attributes the audit rows written inside the block to `user`: services call it with their
    `by`, so changes from the command line and jobs are attributed as well as web requests."""
    return set_actor(user if user is not None and user.is_authenticated else None)


def audit_created(instances: list[Model], *, by) -> None:
    """Records rows written by bulk_create (which sends no signals) in the audit trail as
    created by `by`, one entry each with what it started with, as a save() would: one INSERT."""
    if not instances:
        return
    content_type = ContentType.objects.get_for_model(instances[0])
    cid = get_cid()
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
