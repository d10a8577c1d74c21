from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FleetConfig(AppConfig):
    name = "fleet"
    verbose_name = _("Fleets")

    def ready(self):
        from fleet.services import stock_fleet_for
        from garage.services import on_garage_created

        on_garage_created(stock_fleet_for)
        from accounts.services import on_account_deleted
        from fleet.services import driver_erase

        on_account_deleted(driver_erase)
