"""Substring search of lead company and contact names by index: an FTS5 trigram table kept by
triggers on SQLite, trigram GIN indexes (pg_trgm) on PostgreSQL. A search of a million leads
otherwise reads every one of them (LIKE '%...%')."""

import logging

from django.db import migrations, transaction

log = logging.getLogger(__name__)

SQLITE = [
    "CREATE VIRTUAL TABLE leads_lead_fts USING fts5(company_name, contact_name, "
    "content='leads_lead', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER leads_lead_fts_insert AFTER INSERT ON leads_lead BEGIN "
    "INSERT INTO leads_lead_fts(rowid, company_name, contact_name) "
    "VALUES (new.id, new.company_name, new.contact_name); END",
    "CREATE TRIGGER leads_lead_fts_delete AFTER DELETE ON leads_lead BEGIN "
    "INSERT INTO leads_lead_fts(leads_lead_fts, rowid, company_name, contact_name) "
    "VALUES ('delete', old.id, old.company_name, old.contact_name); END",
    "CREATE TRIGGER leads_lead_fts_update AFTER UPDATE OF company_name, contact_name "
    "ON leads_lead BEGIN "
    "INSERT INTO leads_lead_fts(leads_lead_fts, rowid, company_name, contact_name) "
    "VALUES ('delete', old.id, old.company_name, old.contact_name); "
    "INSERT INTO leads_lead_fts(rowid, company_name, contact_name) "
    "VALUES (new.id, new.company_name, new.contact_name); END",
    "INSERT INTO leads_lead_fts(leads_lead_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS leads_lead_fts_insert",
    "DROP TRIGGER IF EXISTS leads_lead_fts_delete",
    "DROP TRIGGER IF EXISTS leads_lead_fts_update",
    "DROP TABLE IF EXISTS leads_lead_fts",
]
# The expressions Django's icontains compares on PostgreSQL: UPPER(column::text) LIKE ...
POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS lead_company_trgm ON leads_lead "
    "USING gin (UPPER(company_name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS lead_contact_trgm ON leads_lead "
    "USING gin (UPPER(contact_name::text) gin_trgm_ops)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS lead_company_trgm",
    "DROP INDEX IF EXISTS lead_contact_trgm",
]


def _run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE)
    elif vendor == "postgresql":
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                _run(schema_editor, POSTGRES)
        except Exception as exc:  # noqa: BLE001 (a missing extension only slows search)
            log.warning("Name search stays unindexed: pg_trgm is not available (%s)", exc)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_REVERSE)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("leads", "0006_saved_mapping")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
