"""The one way a record with a version column changes: optimistic locking that always leaves an
audit entry and publishes an event (core.events). Five apps had a helper of their own (and two
locking styles); only one wrote the audit entry, and the import's merge bypassed them all with a
plain save()."""

from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.db.models import F, Model, QuerySet
from django.utils import timezone

from salesop.core.audit import audit_actor, guarded_update
from salesop.core.errors import StaleWrite
from salesop.core.events import publish


def check_read(instance: Model, expected_version: int | None, *, stale: str) -> None:
    """Refuses (StaleWrite, 409) a change decided on a version other than the instance's: the
    `expected_version` a form or API call carries, checked before a service judges the change
    on the row as it is now. The write itself is then guarded by versioned_update."""
    if expected_version is not None and expected_version != instance.version:
        raise StaleWrite("stale", str(stale))


def hold(model: type[Model], pk: int) -> None:
    """Holds the row until the transaction ends, for a write whose checks read what another
    writer may change meanwhile (the next number of a deal's quotes, a quote's approvals):
    PostgreSQL's row lock; SQLite's IMMEDIATE transactions already run one writer at a time."""
    list(model._default_manager.select_for_update().filter(pk=pk).values_list("pk", flat=True))


def versioned_update(
    instance: Model,
    *,
    by,
    stale: str,
    expected_version: int | None = None,
    guard: dict | None = None,
    **changes,
) -> None:
    """Writes `changes` if the row is still at the version its writer read (`expected_version`,
    else the instance's) and still matches `guard` (e.g. a status it may move from): version
    + 1, `updated_at` stamped when the model has one, an audit entry attributed to `by`, the
    instance refreshed. Otherwise StaleWrite (answered 409) with the message `stale`."""
    version = instance.version if expected_version is None else expected_version
    if any(f.name == "updated_at" for f in instance._meta.concrete_fields):
        changes.setdefault("updated_at", timezone.now())
    with audit_actor(by):
        written = guarded_update(
            instance, {"version": version, **(guard or {})}, version=F("version") + 1, **changes
        )
    if not written:
        raise StaleWrite("stale", str(stale))  # a lazy text, read in the language in force
    publish(changed_event(instance), instance=instance, fields=_written(changes), by=by)


BULK_BATCH = 1000


def versioned_bulk_update(rows: QuerySet, *, by, **changes) -> int:
    """The twin of versioned_update for a job that moves many records at once (a playbook
    activation re-timing every open deal, a merge re-pointing them): each row's version moves,
    so a form read before the job answers 409 instead of writing the old values back;
    `updated_at` stamped when the model has one; each row's own audit entry attributed to `by`,
    as a save() would write it. No expected version: the job takes the rows as they are."""
    model = rows.model
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        changes.setdefault("updated_at", timezone.now())
    written = 0
    with audit_actor(by):
        pks = list(rows.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), BULK_BATCH):  # SQLite takes 32,766 parameters a query
            batch = model._default_manager.filter(pk__in=pks[start : start + BULK_BATCH])
            before = {row.pk: row for row in batch}
            written += batch.update(version=F("version") + 1, **changes)
            for row in batch.order_by("pk"):
                changed = model_instance_diff(before[row.pk], row)
                if changed:
                    LogEntry.objects.log_create(row, action=LogEntry.Action.UPDATE, changes=changed)
                publish(changed_event(row), instance=row, fields=_written(changes), by=by)
    return written


def _written(changes: dict) -> list[str]:
    return sorted(set(changes) - {"updated_at"})


def changed_event(instance: Model) -> str:
    """The event every versioned write publishes, after its audit entry: "<app>.<model>.changed"
    ("deals.deal.changed") with the instance, the names of the fields written and `by`."""
    return f"{instance._meta.label_lower}.changed"
