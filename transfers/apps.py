from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = _("Transfers")

    def ready(self):
        from accounts.services import on_account_activated
        from transfers.services import transfers_complete_for_activated

        # Any emailed link that activates a pending account (activation, staff or fleet
        # invitation, password reset) gives that person the cars waiting for it.
        on_account_activated(transfers_complete_for_activated)
