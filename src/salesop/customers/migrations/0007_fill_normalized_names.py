"""Companies written without their matching key (the demo's, before it set it) get it: every
duplicate check, the imports' included, reads it, and an empty one matched nothing."""

from django.db import migrations


def fill(apps, schema_editor):
    from salesop.customers.rules import normalize_company

    Account = apps.get_model("customers", "Account")
    for account in Account.objects.filter(normalized_name="").only("pk", "name").iterator():
        key = normalize_company(account.name)
        if key:
            Account.objects.filter(pk=account.pk).update(normalized_name=key)


class Migration(migrations.Migration):
    dependencies = [("customers", "0006_training_failure_message")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
