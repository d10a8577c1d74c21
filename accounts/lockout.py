"""Login lockout (django-axes): 5 failed logins for one account lock that account for 5
minutes, on the site's login and the admin login alike. Counted per account, not per IP, so a
garage's colleagues behind one address are never locked out by someone else's typing."""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.forms import LoginForm
from core.ratelimit import minutes


def attempted_email(request, credentials) -> str:
    """The account an attempt is for, spelled as the login spells it (case and spaces do not
    make a new account, so they do not make a new counter either)."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username", "")
    return (raw or "").strip().lower()


def locked_out(request, original_response=None, credentials=None):
    cooloff = int(settings.AXES_COOLOFF_TIME.total_seconds())
    message = _(
        "Too many failed attempts to log in to this account. For your safety it is locked "
        "for %(minutes)s minutes. Try again later, or set a new password."
    ) % {"minutes": minutes(cooloff)}
    form = LoginForm(request, initial={"username": attempted_email(request, credentials)})
    return render(
        request,
        "accounts/login.html",
        {"form": form, "lockout": message, "next": request.POST.get("next", "")},
        status=429,
    )
