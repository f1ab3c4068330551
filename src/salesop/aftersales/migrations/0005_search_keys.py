"""The keys the search box finds records by, indexed (core.textsearch)."""

from django.conf import settings
from django.db import migrations, models

from salesop.core.textsearch import trigram_index


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_session_generation"),
        ("aftersales", "0004_audit_names"),
        ("customers", "0008_search_keys"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["number"], name="ticket_number"),
        ),
        trigram_index("aftersales_ticket", "title"),
    ]
