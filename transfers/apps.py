from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = _("Transfers")

    def ready(self):
        from accounts.services import on_account_activated, on_account_deleted
        from transfers.services import owner_account_erase, transfers_complete_for_activated

        # Any emailed link that activates a pending account (activation, staff or fleet
        # invitation, password reset) gives that person the cars waiting for it.
        on_account_activated(transfers_complete_for_activated)
        # An owner who deletes their account: open transfers, their cars, transfer records.
        on_account_deleted(owner_account_erase)
