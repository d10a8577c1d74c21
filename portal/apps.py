from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The people's entry point: where a login lands, the navigation, and the owner's pages
    (/mijn/). It holds no models and no rules: its views call the services and selectors of
    the apps below it."""

    name = "portal"

    def ready(self):
        from transfers.services import on_owner_changed

        on_owner_changed(portal_places_forget_owner)


def portal_places_forget_owner(*, passport) -> None:
    """A car changed owner: the new owner's navigation shows "My cars" at once."""
    from core.shared_cache import places_forget

    if passport.owner_id:
        places_forget([passport.owner_id])
