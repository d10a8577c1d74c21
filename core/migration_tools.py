"""Helpers for data migrations that give a group its permissions (e.g. the `support` group).

Permissions are normally created after all migrations ran; a migration that assigns them on a
fresh database must create them first.
"""

from django.contrib.auth.management import create_permissions


def grant_permissions(apps, group_name: str, spec) -> None:
    """spec: iterable of (app_label, model, [codename, ...])."""
    for app_label in {app_label for app_label, _, _ in spec}:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True  # the migration state's app config stub lacks it
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=group_name)
    for app_label, model, codenames in spec:
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=codenames,
            )
        )


def revoke_permissions(apps, group_name: str, spec) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=group_name).first()
    if group is None:
        return
    for app_label, model, codenames in spec:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=codenames,
            )
        )
