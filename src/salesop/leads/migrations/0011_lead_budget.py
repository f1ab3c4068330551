"""A lead's budget and its currency. SQLite adds a column with a default by rebuilding the
table, which drops the triggers that keep the name search index (0007): they are made again
and the index rebuilt, or every lead written after this migration could not be found."""

from importlib import import_module

from django.db import migrations, models

search = import_module("salesop.leads.migrations.0007_name_search")
TRIGGERS = [sql for sql in search.SQLITE if sql.startswith("CREATE TRIGGER")]


def keep_search(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return  # PostgreSQL's indexes stay with the table
    with schema_editor.connection.cursor() as cursor:
        for sql in search.SQLITE_REVERSE[:3]:  # the triggers, if any survived
            cursor.execute(sql)
        for sql in TRIGGERS:
            cursor.execute(sql)
        cursor.execute("INSERT INTO leads_lead_fts(leads_lead_fts) VALUES ('rebuild')")


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0010_import_value_map"),
    ]

    operations = [
        migrations.AddField(
            model_name="lead",
            name="budget",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="budget"
            ),
        ),
        migrations.AddField(
            model_name="lead",
            name="budget_currency",
            field=models.CharField(
                choices=[
                    ("CNY", "Chinese yuan (CNY)"),
                    ("USD", "US dollar (USD)"),
                    ("EUR", "Euro (EUR)"),
                    ("HKD", "Hong Kong dollar (HKD)"),
                    ("JPY", "Japanese yen (JPY)"),
                    ("GBP", "Pound sterling (GBP)"),
                    ("SGD", "Singapore dollar (SGD)"),
                ],
                default="CNY",
                max_length=3,
                verbose_name="budget currency",
            ),
        ),
        migrations.RunPython(keep_search, migrations.RunPython.noop, elidable=False),
    ]
