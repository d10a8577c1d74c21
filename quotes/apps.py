from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotesConfig(AppConfig):
    name = "quotes"
    verbose_name = _("Quotes")

    def ready(self):
        from accounts.services import on_account_deleted
        from quotes.services import owner_quotes_erase, quotes_withdraw_for_car
        from transfers.services import on_owner_changed

        on_owner_changed(quotes_withdraw_for_car)
        on_account_deleted(owner_quotes_erase)
