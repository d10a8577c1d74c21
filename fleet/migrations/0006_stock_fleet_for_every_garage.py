"""Every garage has its stock fleet from the start (made by `garage_create` from now on), so
that no page has to make one while it is being viewed."""

from django.db import migrations


def stock_fleets(apps, schema_editor):
    Garage = apps.get_model("garage", "Garage")
    FleetAccount = apps.get_model("fleet", "FleetAccount")
    for garage in Garage.objects.filter(stock_fleet__isnull=True).select_related("account_user"):
        fleet = FleetAccount.objects.create(
            stock_of=garage,
            name=f"{garage.name} (voorraad)",
            email=garage.account_user.email,
            kind="stock",
        )
        fleet.garages.add(garage)


class Migration(migrations.Migration):
    dependencies = [
        ("fleet", "0005_consent_and_driver_period"),
        ("garage", "0001_initial"),
    ]

    operations = [migrations.RunPython(stock_fleets, migrations.RunPython.noop)]
