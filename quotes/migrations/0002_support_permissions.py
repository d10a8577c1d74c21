"""Support reads the quotes and their lines in the admin, as accounts.support_role says."""

from django.db import migrations

from core.migration_tools import grant_permissions, revoke_permissions

SUPPORT_PERMISSIONS = [
    ("quotes", "quote", ["view_quote"]),
    ("quotes", "quoteline", ["view_quoteline"]),
]


def forwards(apps, schema_editor):
    grant_permissions(apps, "support", SUPPORT_PERMISSIONS)


def backwards(apps, schema_editor):
    revoke_permissions(apps, "support", SUPPORT_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("quotes", "0001_initial"),
        ("accounts", "0004_support_role"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
