"""Assignments and their events now live in tonghop.reports (same tables, see its 0003)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0004_campaign_version_and_archived_status"),
        ("links", "0002_assignment_in_reports"),
        ("reminders", "0005_assignment_in_reports"),
        ("reports", "0003_assignment_moved_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AssignmentEvent"),
                migrations.DeleteModel(name="Assignment"),
            ],
        ),
    ]
