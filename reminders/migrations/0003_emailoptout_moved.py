"""EmailOptOut now belongs to notifications (notifications/0007), which keeps its table: only
the model leaves this app's state; the table is not dropped."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0002_support_permissions"),
        ("notifications", "0007_emailoptout"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="EmailOptOut")],
            database_operations=[],
        ),
    ]
