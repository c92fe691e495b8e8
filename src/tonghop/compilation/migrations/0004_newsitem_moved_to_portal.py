"""News items now live in tonghop.portal (same table, see its 0001)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("compilation", "0003_compilation_workflow_state"),
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="NewsItem")],
        ),
    ]
