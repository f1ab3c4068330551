"""Audit rows are append-only on PostgreSQL, even for SQL typed by hand: a trigger refuses
UPDATE and DELETE of auditlog's entries. The one change allowed is the database's own
SET NULL of the actor when a user is deleted. (SQLite has no such guard: its test flushes
delete rows; the app itself offers no way to change an entry on either.)"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION salesop_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL THEN
        OLD.actor_id := NULL;
        IF NEW IS NOT DISTINCT FROM OLD THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS auditlog_logentry_append_only ON auditlog_logentry;
CREATE TRIGGER auditlog_logentry_append_only BEFORE UPDATE OR DELETE ON auditlog_logentry
    FOR EACH ROW EXECUTE FUNCTION salesop_audit_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS auditlog_logentry_append_only ON auditlog_logentry;
DROP FUNCTION IF EXISTS salesop_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)  # the SQL has a literal %


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_role_director"), ("auditlog", "0017_add_actor_email")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
