import axes.apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default = True  # this module also holds AxesConfig
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from accounts.tokens import activation_url, password_set_url
        from notifications import links
        from notifications.models import Notification

        # The links these emails carry are made and checked here (accounts.tokens).
        Kind = Notification.Kind
        for kind in (Kind.PASSWORD_RESET, Kind.STAFF_INVITE, Kind.FLEET_INVITE):
            links.register(kind, "password_set_url", password_set_url)
        links.register(Kind.OWNER_ACTIVATION, "activation_url", activation_url)


class AxesConfig(axes.apps.AppConfig):
    """django-axes (login lockout) under a Dutch name in the admin: axes has no Dutch catalogue
    and no verbose name; its model and field names are in ours (accounts/third_party_strings.py).
    Installed as "accounts.apps.AxesConfig" in place of "axes"; the label stays "axes"."""

    default = False
    verbose_name = _("Login security")
