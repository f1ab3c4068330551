"""Custom fields' values on companies and contacts, and a version for edits made on a page
read earlier."""

from django.db import migrations, models

from salesop.core.textsearch import triggers_again


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0009_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="account",
            name="custom",
            field=models.JSONField(
                blank=True, editable=False, null=True, verbose_name="custom fields"
            ),
        ),
        migrations.AddField(
            model_name="account",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name="contact",
            name="custom",
            field=models.JSONField(
                blank=True, editable=False, null=True, verbose_name="custom fields"
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        # adding a column with a default rebuilds a SQLite table, and its search triggers with it
        triggers_again("customers_account", "name"),
        triggers_again("customers_contact", "name"),
    ]
