from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = _("Share links")

    def ready(self):
        from sharing.services import share_links_revoke_all
        from transfers.services import on_owner_changed

        # A new owner: the links the previous owner (or the garage, for a stock car) handed
        # out die in the transfer's own transaction.
        on_owner_changed(share_links_revoke_all)
        # A deleted account: the links its owner made die with it.
        from accounts.services import on_account_deleted
        from sharing.services import share_links_revoke_by

        on_account_deleted(share_links_revoke_by)
