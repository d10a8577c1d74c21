from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The people's entry point: where a login lands, the navigation, and the owner's pages
    (/mijn/). It holds no models and no rules: its views call the services and selectors of
    the apps below it."""

    name = "portal"
