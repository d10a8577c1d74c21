"""Support sees what the RDW refresh found (recalls, which car has which, APK defects), read
only, as accounts.support_role says."""

from django.db import migrations

from core.migration_tools import grant_permissions, revoke_permissions

SUPPORT_PERMISSIONS = [
    ("autopaspoort", "recall", ["view_recall"]),
    ("autopaspoort", "passportrecall", ["view_passportrecall"]),
    ("autopaspoort", "apkdefect", ["view_apkdefect"]),
]


def forwards(apps, schema_editor):
    grant_permissions(apps, "support", SUPPORT_PERMISSIONS)


def backwards(apps, schema_editor):
    revoke_permissions(apps, "support", SUPPORT_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("autopaspoort", "0015_rdw_refresh"),
        ("accounts", "0004_support_role"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
