"""What a stopped import leaves for its resume: the last committed row, and that it stopped."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0011_lead_budget"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="committed_row",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="importjob",
            name="interrupted",
            field=models.BooleanField(default=False),
        ),
    ]
