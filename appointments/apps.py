from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = _("Appointments and warning lights")

    def ready(self):
        from accounts.services import on_account_deleted
        from appointments.services import owner_appointments_erase

        on_account_deleted(owner_appointments_erase)
