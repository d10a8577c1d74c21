"""Support reads transfers and their corrections and may correct a new owner's email."""

from django.db import migrations

from core.migration_tools import grant_permissions, revoke_permissions

SUPPORT_PERMISSIONS = [
    ("transfers", "transfer", ["view_transfer", "correct_transfer_email"]),
    ("transfers", "emailcorrection", ["view_emailcorrection"]),
    ("fleet", "fleetaccount", ["view_fleetaccount"]),
]


def forwards(apps, schema_editor):
    grant_permissions(apps, "support", SUPPORT_PERMISSIONS)


def backwards(apps, schema_editor):
    revoke_permissions(apps, "support", SUPPORT_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("transfers", "0001_initial"),
        ("fleet", "0001_initial"),
        ("accounts", "0002_support_group"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
