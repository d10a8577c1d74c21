"""The `support` group: what support staff need in the admin, and nothing more.

Support corrects people's details and staff memberships, reads the outbox and resends emails.
They cannot delete users or garages, or give anyone admin rights (UserAdmin makes the permission
fields read-only for non-superusers). Later apps extend the group in their own migrations.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

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
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_label in {app_label for app_label, _, _ in SUPPORT_PERMISSIONS}:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True  # the migration state's stub lacks it
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="support")
    for app_label, model, codenames in SUPPORT_PERMISSIONS:
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=codenames,
            )
        )


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
