from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def sqlite_wal(using: str, **kwargs) -> None:
    """Puts an SQLite database file in WAL mode (readers never wait for the writer) if it is not
    yet: the mode is stored in the file, so it is set once, when the database is made, rather
    than asked for by every connection while others write."""
    connection = connections[using]
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        if cursor.fetchone()[0] != "wal":
            cursor.execute("PRAGMA journal_mode=WAL")


class CoreConfig(AppConfig):
    name = "salesop.core"
    label = "core"

    def ready(self):
        from auditlog.models import LogEntry
        from django.db.models.signals import pre_save

        from salesop.core.audit import attribute

        # Sent once per migrated app: the first call switches, the others only read the mode.
        post_migrate.connect(sqlite_wal, dispatch_uid="salesop.core.sqlite_wal")
        pre_save.connect(attribute, sender=LogEntry, dispatch_uid="salesop.core.audit")
