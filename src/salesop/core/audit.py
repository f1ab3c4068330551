"""Reading the audit trail kept by django-auditlog."""

from auditlog.models import LogEntry
from django.db.models import Model, QuerySet


def audit_entries_for(instance: Model, limit: int = 50) -> QuerySet[LogEntry]:
    return LogEntry.objects.get_for_object(instance).select_related("actor")[:limit]
