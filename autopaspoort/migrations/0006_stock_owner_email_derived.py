"""Stock cars stop storing a copy of the garage's email (issue 14, item 13): the garage's login
is its one home, `Passport.contact_email` reads it. The copies are cleared, then a constraint
keeps new ones out."""

from django.db import migrations, models


def clear_stock_copies(apps, schema_editor):
    Passport = apps.get_model("autopaspoort", "Passport")
    Passport.objects.filter(state="stock").exclude(owner_email="").update(owner_email="")


class Migration(migrations.Migration):
    dependencies = [
        ("autopaspoort", "0005_historyentry_external_id_and_more"),
    ]

    operations = [
        migrations.AlterField(
            model_name="passport",
            name="owner_email",
            field=models.EmailField(blank=True, max_length=254, verbose_name="owner email"),
        ),
        # Backwards the copies are not written back: a stock car reads the garage's login.
        migrations.RunPython(clear_stock_copies, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="passport",
            constraint=models.CheckConstraint(
                condition=models.Q(("state", "stock"), _negated=True) | models.Q(owner_email=""),
                name="passport_stock_has_no_email_copy",
            ),
        ),
    ]
