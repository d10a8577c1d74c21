"""The one-time links an email carries, registered by the app that owns them.

A link such as "set your password" or "activate your account" is made and checked by the app it
belongs to (accounts); this app only knows that an email of some kind carries one, under a name in
its template context. The owning app registers it in its `AppConfig.ready`, so notifications
imports none of its callers. Links are built when the email is rendered, never stored in the
outbox row: a token in that table would let its readers take over accounts, and a resend carries
a fresh link.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

# kind -> (context name, builder(user) -> absolute URL)
_links: dict[str, tuple[str, Callable]] = {}


def register(kind: str, context_name: str, builder: Callable) -> None:
    """Emails of `kind` sent to an account get `builder(user)` as `context_name` in their
    templates. One link per kind; registering the same one again changes nothing."""
    known = _links.get(kind)
    if known is not None and known != (context_name, builder):
        raise ImproperlyConfigured(f"Emails of kind {kind!r} already carry {known[0]!r}.")
    _links[kind] = (context_name, builder)


def carries_link(kind: str) -> bool:
    return kind in _links


def build(kind: str, user) -> dict[str, str]:
    """The context entry of this kind's link for `user` (none without a link or an account)."""
    if kind not in _links or user is None:
        return {}
    context_name, builder = _links[kind]
    return {context_name: builder(user)}
