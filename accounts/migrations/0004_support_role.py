"""The `support` group gets exactly the permissions of the support role table
(accounts/support_role.py, documented in docs/architecture.md), nothing more.

Earlier migrations granted support more (adding garage and fleet memberships, which let support
make itself admin of a garage): this takes those away.
"""

from django.db import migrations

from core.migration_tools import set_permissions


def forwards(apps, schema_editor):
    # Read at run time: the table is the single source of the role (and of its tests).
    from accounts.support_role import permission_spec

    set_permissions(apps, "support", permission_spec())


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
