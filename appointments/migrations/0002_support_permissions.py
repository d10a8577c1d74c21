"""Support reads appointments (with their preferred times) and may correct or remove a garage's
warning-light advice."""

from django.db import migrations

from core.migration_tools import grant_permissions, revoke_permissions

SUPPORT_PERMISSIONS = [
    ("appointments", "appointment", ["view_appointment"]),
    ("appointments", "appointmentslot", ["view_appointmentslot"]),
    (
        "appointments",
        "garagelightadvice",
        ["view_garagelightadvice", "change_garagelightadvice", "delete_garagelightadvice"],
    ),
]


def forwards(apps, schema_editor):
    grant_permissions(apps, "support", SUPPORT_PERMISSIONS)


def backwards(apps, schema_editor):
    revoke_permissions(apps, "support", SUPPORT_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0001_initial"),
        ("accounts", "0002_support_group"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
