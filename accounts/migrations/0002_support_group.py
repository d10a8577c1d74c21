"""The `support` group: what support staff need in the admin, and nothing more.

Support corrects people's details and staff memberships, reads the outbox and resends emails.
They cannot delete users or garages, or give anyone admin rights (UserAdmin makes the permission
fields read-only for non-superusers). Later apps extend the group in their own migrations.
"""

from django.db import migrations

from core.migration_tools import grant_permissions

SUPPORT_PERMISSIONS = [
    ("accounts", "user", ["view_user", "change_user"]),
    ("garage", "garage", ["view_garage", "change_garage"]),
    (
        "garage",
        "membership",
        ["view_membership", "add_membership", "change_membership", "delete_membership"],
    ),
    ("notifications", "notification", ["view_notification", "resend_notification"]),
]


def create_support_group(apps, schema_editor):
    grant_permissions(apps, "support", SUPPORT_PERMISSIONS)


def remove_support_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="support").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("garage", "0001_initial"),
        ("notifications", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_support_group, remove_support_group)]
