"""Assignments and their events move from tonghop.campaigns to tonghop.reports, which writes
them. Only Django's picture of the models changes: the tables keep their names and rows."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from tonghop.db.moves import move_content_types

STATES = [
    ("not_started", "Not started"),
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("returned", "Returned for correction"),
    ("accepted", "Accepted"),
]
STEPS = [
    ("save", "Saved a draft"),
    ("submit", "Submitted"),
    ("return", "Returned for correction"),
    ("accept", "Accepted"),
    ("extend", "Extended the due time"),
]
MODELS = ("assignment", "assignmentevent")


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0003_forms_templates"),
        ("audit", "0002_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("orgs", "0001_initial"),
        ("reports", "0002_attachments_receipts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Assignment",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("due_at", models.DateTimeField(verbose_name="due")),
                        ("state", models.CharField(choices=STATES, default="not_started", max_length=12, verbose_name="state")),
                        ("is_active", models.BooleanField(default=True)),
                        ("submitted_at", models.DateTimeField(blank=True, null=True, verbose_name="submitted")),
                        ("first_submitted_at", models.DateTimeField(blank=True, null=True)),
                        ("accepted_at", models.DateTimeField(blank=True, null=True, verbose_name="accepted")),
                        ("version", models.PositiveIntegerField(default=0)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("campaign", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="assignments", to="campaigns.campaign")),
                        ("unit", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="assignments", to="orgs.unit")),
                    ],
                    options={
                        "verbose_name": "assignment",
                        "verbose_name_plural": "assignments",
                        "db_table": "campaigns_assignment",
                        "ordering": ["unit__name"],
                        "constraints": [
                            models.UniqueConstraint(condition=models.Q(("is_active", True)), fields=("campaign", "unit"), name="assignment_one_open_per_unit"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="AssignmentEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("step", models.CharField(choices=STEPS, max_length=10)),
                        ("from_state", models.CharField(choices=STATES, max_length=12)),
                        ("to_state", models.CharField(choices=STATES, max_length=12)),
                        ("comment", models.TextField(blank=True)),
                        ("at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("details", models.JSONField(blank=True, default=dict)),
                        ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ("assignment", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="events", to="reports.assignment")),
                    ],
                    options={"db_table": "campaigns_assignmentevent", "ordering": ["at", "pk"]},
                ),
                migrations.AlterField(
                    model_name="report",
                    name="assignment",
                    field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="report", to="reports.assignment"),
                ),
            ],
        ),
        move_content_types("campaigns", "reports", MODELS),
    ]
