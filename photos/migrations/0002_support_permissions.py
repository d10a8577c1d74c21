"""Support sees the check photos in the admin and may delete one with a reason."""

from django.db import migrations

from core.migration_tools import grant_permissions, revoke_permissions

SUPPORT_PERMISSIONS = [
    ("photos", "checkphoto", ["view_checkphoto", "delete_checkphoto_with_reason"]),
]


def forwards(apps, schema_editor):
    grant_permissions(apps, "support", SUPPORT_PERMISSIONS)


def backwards(apps, schema_editor):
    revoke_permissions(apps, "support", SUPPORT_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("photos", "0001_initial"),
        ("accounts", "0004_support_role"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
