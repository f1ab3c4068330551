"""Installs the shipped default playbook as version 1, active, on a new database."""

import hashlib
from importlib import resources

from django.db import migrations


def install_default(apps, schema_editor):
    PlaybookVersion = apps.get_model("playbook", "PlaybookVersion")
    if PlaybookVersion.objects.exists():
        return
    text = resources.files("salesop.playbook").joinpath("default.yaml").read_text("utf-8")
    PlaybookVersion.objects.create(
        number=1,
        name="标准销售流程 Standard sales SOP",
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        comment="shipped default",
        is_active=True,
    )


class Migration(migrations.Migration):
    dependencies = [("playbook", "0001_initial")]

    operations = [migrations.RunPython(install_default, migrations.RunPython.noop)]
