"""The assignment model now lives in tonghop.reports (same table): only Django's picture changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("links", "0001_initial"),
        ("reports", "0003_assignment_moved_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="accesslink",
                    name="assignment",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="access_links", to="reports.assignment", verbose_name="assignment"),
                ),
            ],
        ),
    ]
