"""The assignment model now lives in tonghop.reports (same table): only Django's picture changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0004_message_outbox_receipts_reports_files"),
        ("reports", "0003_assignment_moved_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="directivedelivery",
                    name="assignment",
                    field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="directive_delivery", to="reports.assignment"),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="assignment",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="reminder_messages", to="reports.assignment"),
                ),
            ],
        ),
    ]
