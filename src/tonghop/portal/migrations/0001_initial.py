"""News items move from tonghop.compilation to the portal app; the table keeps its name and rows."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from tonghop.db.moves import move_content_types


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("audit", "0002_initial"),
        ("compilation", "0002_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("orgs", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="NewsItem",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ("title", models.CharField(max_length=300, verbose_name="title")),
                        ("summary", models.TextField(max_length=2000, verbose_name="summary")),
                        ("body", models.TextField(blank=True, max_length=50000, verbose_name="text")),
                        ("published_at", models.DateTimeField(blank=True, null=True, verbose_name="published")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("compilation", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="news", to="compilation.compilation")),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ("office", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="news", to="orgs.unit")),
                    ],
                    options={
                        "db_table": "compilation_newsitem",
                        "ordering": ["-published_at", "-created_at"],
                    },
                ),
            ],
        ),
        move_content_types("compilation", "portal", ["newsitem"]),
    ]
