"""The one way a record with a version column changes: optimistic locking that always leaves an
audit entry. Five apps had a helper of their own (and two locking styles); only one wrote the
audit entry, and the import's merge bypassed them all with a plain save()."""

from django.db.models import F, Model
from django.utils import timezone

from salesop.core.audit import audit_actor, guarded_update
from salesop.core.errors import StaleWrite


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
