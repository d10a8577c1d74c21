"""Helpers for data migrations that give a group its permissions (e.g. the `support` group).

Permissions are normally created after all migrations ran; a migration that assigns them on a
fresh database must create them first.
"""

from django.contrib.auth.management import create_permissions


def _create_permissions(apps, app_labels) -> None:
    for app_label in app_labels:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True  # the migration state's app config stub lacks it
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def grant_permissions(apps, group_name: str, spec) -> None:
    """spec: iterable of (app_label, model, [codename, ...])."""
    _create_permissions(apps, {app_label for app_label, _, _ in spec})
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


def set_permissions(apps, group_name: str, spec) -> None:
    """Give the group exactly the permissions of `spec`, nothing else; a missing one is an error
    (a typo in the table must not silently grant less than documented)."""
    _create_permissions(apps, {app_label for app_label, _, _ in spec})
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=group_name)
    wanted = []
    for app_label, model, codenames in spec:
        found = list(
            Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=codenames,
            )
        )
        missing = set(codenames) - {permission.codename for permission in found}
        if missing:
            raise LookupError(f"{app_label}.{model}: no permissions {sorted(missing)}")
        wanted.extend(found)
    group.permissions.set(wanted)


def normalize_phones(apps, app_label: str, model_name: str, fields) -> None:
    """Store the phone numbers of `fields` as E.164 where they parse; leave the rest as they
    were (a person corrects them; nothing typed is lost). Rows with no number are skipped."""
    from django.db.models import Q

    from core.phones import normalize_stored

    model = apps.get_model(app_label, model_name)
    having = Q()
    for field in fields:
        having |= ~Q(**{field: ""})
    for row in model.objects.filter(having).only("pk", *fields).iterator(chunk_size=2000):
        changed = {}
        for field in fields:
            value = getattr(row, field)
            normalized = normalize_stored(value) if value else value
            if normalized != value:
                changed[field] = normalized
        if changed:
            model.objects.filter(pk=row.pk).update(**changed)
