from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutopaspoortConfig(AppConfig):
    name = "autopaspoort"
    verbose_name = _("Passports")
