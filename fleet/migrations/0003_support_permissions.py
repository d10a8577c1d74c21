"""Support manages fleet accounts and their managers and reads the link history."""

from django.db import migrations

from core.migration_tools import grant_permissions, revoke_permissions

SUPPORT_PERMISSIONS = [
    ("fleet", "fleetaccount", ["view_fleetaccount", "add_fleetaccount", "change_fleetaccount"]),
    (
        "fleet",
        "fleetmembership",
        [
            "view_fleetmembership",
            "add_fleetmembership",
            "change_fleetmembership",
            "delete_fleetmembership",
        ],
    ),
    ("fleet", "fleetlink", ["view_fleetlink"]),
]


def forwards(apps, schema_editor):
    grant_permissions(apps, "support", SUPPORT_PERMISSIONS)


def backwards(apps, schema_editor):
    revoke_permissions(apps, "support", SUPPORT_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("fleet", "0002_fleetlink_fleetmembership_fleetaccount_garages_and_more"),
        ("transfers", "0002_support_permissions"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
