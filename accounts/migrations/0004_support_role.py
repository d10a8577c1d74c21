"""The `support` group gets exactly the permissions of the support role table
(accounts/support_role.py, documented in docs/architecture.md), nothing more.

Earlier migrations granted support more (adding garage and fleet memberships, which let support
make itself admin of a garage): this takes those away.
"""

from django.db import migrations

from core.migration_tools import set_permissions


# Rows of the table whose model reached its app in a later migration, which grants them itself:
# notifications/0007 moved the opt-outs from reminders (granted as reminders.emailoptout before);
# accounts/0005 made the privacy requests, legal/0001 the legal pages, photos/0002 grants the
# check photos, autopaspoort/0016 the RDW's recalls and APK defects, quotes/0002 the quotes,
# billing/0002 billing.
MOVED_LATER = {
    ("billing", "tariff"),
    ("billing", "tarifftier"),
    ("billing", "statement"),
    ("billing", "statementline"),
    ("billing", "invoice"),
    ("notifications", "emailoptout"),
    ("accounts", "privacyevent"),
    ("legal", "legalpage"),
    ("photos", "checkphoto"),
    ("autopaspoort", "recall"),
    ("autopaspoort", "passportrecall"),
    ("autopaspoort", "apkdefect"),
    ("quotes", "quote"),
    ("quotes", "quoteline"),
}


def _known(apps, app_label, model) -> bool:
    try:
        apps.get_model(app_label, model)
    except LookupError:  # the model, or its whole app, does not exist yet
        return False
    return True


def forwards(apps, schema_editor):
    # Read at run time: the table is the single source of the role (and of its tests).
    from accounts.support_role import permission_spec

    spec = [
        (app_label, model, codenames)
        for app_label, model, codenames in permission_spec()
        if (app_label, model) not in MOVED_LATER or _known(apps, app_label, model)
    ]
    set_permissions(apps, "support", spec)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_promotions_enabled_user_reminders_enabled"),
        ("garage", "0003_support_permission"),
        ("autopaspoort", "0006_stock_owner_email_derived"),
        ("fleet", "0005_consent_and_driver_period"),
        ("transfers", "0005_transfer_reason"),
        ("notifications", "0006_fleet_link_request_kind"),
        ("reminders", "0002_support_permissions"),
        ("appointments", "0002_support_permissions"),
        ("promotions", "0002_support_permissions"),
        ("insights", "0002_support_permissions"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
