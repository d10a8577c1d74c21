# Nothing ever set a transfer to "cancelled", so the state and its time are removed. A row in
# that state has no sane target, so the migration refuses rather than guess.

from django.db import migrations, models


def refuse_cancelled_transfers(apps, schema_editor):
    Transfer = apps.get_model("transfers", "Transfer")
    count = Transfer.objects.filter(state="cancelled").count()
    if count:
        raise RuntimeError(
            f"{count} transfer(s) are in state 'cancelled', which no longer exists. "
            "Decide what they are (awaiting activation or completed) and update them by hand "
            "before running this migration."
        )


class Migration(migrations.Migration):

    dependencies = [
        ('transfers', '0005_transfer_reason'),
    ]

    operations = [
        migrations.RunPython(refuse_cancelled_transfers, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='transfer',
            name='cancelled_at',
        ),
        migrations.AlterField(
            model_name='transfer',
            name='state',
            field=models.CharField(choices=[('awaiting_activation', 'Awaiting activation'), ('completed', 'Completed')], default='awaiting_activation', max_length=20, verbose_name='state'),
        ),
    ]
