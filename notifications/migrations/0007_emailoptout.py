"""EmailOptOut moves here from reminders with its table (`reminders_emailoptout`): no data
moves. Its content type is renamed along, so support's permissions and the admin history follow
the model; on a database made from scratch support is granted them here."""

from django.db import migrations, models

from core.migration_tools import grant_permissions

SUPPORT_PERMISSIONS = [("notifications", "emailoptout", ["view_emailoptout", "delete_emailoptout"])]


def move_content_type(apps, *, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=target, model="emailoptout").exists():
        ContentType.objects.filter(app_label=source, model="emailoptout").update(app_label=target)


def forwards(apps, schema_editor):
    move_content_type(apps, source="reminders", target="notifications")
    grant_permissions(apps, "support", SUPPORT_PERMISSIONS)


def backwards(apps, schema_editor):
    move_content_type(apps, source="notifications", target="reminders")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("notifications", "0006_fleet_link_request_kind"),
        ("reminders", "0002_support_permissions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="EmailOptOut",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("email", models.EmailField(max_length=254, verbose_name="email")),
                        (
                            "topic",
                            models.CharField(
                                choices=[
                                    ("reminders", "APK and maintenance reminders"),
                                    ("promotions", "Messages and offers from the garage"),
                                ],
                                max_length=20,
                                verbose_name="topic",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="opted out at"),
                        ),
                    ],
                    options={
                        "verbose_name": "email opt-out",
                        "verbose_name_plural": "email opt-outs",
                        "db_table": "reminders_emailoptout",
                        "ordering": ["-created_at"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("email", "topic"), name="email_opt_out_unique"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
