"""Support may read passports, checks and history, and correct a passport's data and history.

Status checks stay read-only for everyone: they are inspection reports.
"""

from django.db import migrations

from core.migration_tools import grant_permissions, revoke_permissions

SUPPORT_PERMISSIONS = [
    ("autopaspoort", "passport", ["view_passport", "change_passport"]),
    ("autopaspoort", "statuscheck", ["view_statuscheck"]),
    ("autopaspoort", "statuscheckitem", ["view_statuscheckitem"]),
    ("autopaspoort", "historyentry", ["view_historyentry", "change_historyentry"]),
]


def forwards(apps, schema_editor):
    grant_permissions(apps, "support", SUPPORT_PERMISSIONS)


def backwards(apps, schema_editor):
    revoke_permissions(apps, "support", SUPPORT_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("autopaspoort", "0002_plate_trigram_index"),
        ("accounts", "0002_support_group"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
