"""Support's permissions on billing (accounts/support_role.py): tariffs written within the
rules, statements and invoices read, invoices corrected only with a credit note."""

from django.db import migrations

from core.migration_tools import grant_permissions, revoke_permissions

SUPPORT_PERMISSIONS = [
    ("billing", "tariff", ["view_tariff", "add_tariff", "change_tariff"]),
    (
        "billing",
        "tarifftier",
        ["view_tarifftier", "add_tarifftier", "change_tarifftier", "delete_tarifftier"],
    ),
    ("billing", "statement", ["view_statement"]),
    ("billing", "statementline", ["view_statementline"]),
    ("billing", "invoice", ["view_invoice", "issue_credit_note"]),
]


def forwards(apps, schema_editor):
    grant_permissions(apps, "support", SUPPORT_PERMISSIONS)


def backwards(apps, schema_editor):
    revoke_permissions(apps, "support", SUPPORT_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
        ("accounts", "0004_support_role"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
