from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self):
        from accounts.services import on_account_deleted
        from reminders.services import reminders_erase

        on_account_deleted(reminders_erase)
