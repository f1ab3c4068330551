"""The keys the search box finds records by, indexed (core.textsearch)."""

from django.db import migrations

from salesop.core.textsearch import trigram_index


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_fill_normalized_names"),
    ]

    operations = [
        trigram_index("customers_account", "name"),
        trigram_index("customers_contact", "name"),
    ]
