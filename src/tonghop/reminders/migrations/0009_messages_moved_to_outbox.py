"""Messages and notifications now live in tonghop.outbox (same tables, see its 0001)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_initial"),
        ("reminders", "0008_account_messages_of_the_office"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="notification", name="message"),
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="Message"),
            ],
        ),
    ]
