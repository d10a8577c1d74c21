"""Share links for the tests, made through the service as the app makes them."""

from sharing.services import share_link_create


def share(passport, *, actor=None, days=30, show_costs=False, include_photos=False):
    return share_link_create(
        passport=passport,
        actor=actor or passport.owner,
        days=days,
        show_costs=show_costs,
        include_photos=include_photos,
    )


def share_url(link) -> str:
    return f"/p/{link.token}/"
