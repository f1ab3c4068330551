"""The keys the search box finds records by, indexed (core.textsearch)."""

from django.db import migrations

from salesop.core.textsearch import trigram_index


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0012_audit_names"),
    ]

    operations = [
        trigram_index("deals_deal", "name"),
    ]
