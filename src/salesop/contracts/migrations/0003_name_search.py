"""The keys the search box finds records by, indexed (core.textsearch)."""

from django.db import migrations

from salesop.core.textsearch import trigram_index


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0002_audit_names"),
    ]

    operations = [
        trigram_index("contracts_contract", "customer"),
    ]
