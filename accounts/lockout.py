"""Login lockout (django-axes).

Counted per account and client address: 5 failed logins for one account from one address lock
that pair for 5 minutes (on the site's login and the admin login alike), so a stranger cannot
lock a known account for its owner, who logs in from elsewhere. A ceiling per account across
all addresses (ACCOUNT_FAILURE_CEILING) stops guessing spread over many addresses; a password
set from an emailed link unlocks the account everywhere. Failed checks of the current password
on pages that ask for it (password change, garage settings) count in the same counter.
"""

import ipaddress

from axes.attempts import get_cool_off_threshold
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import Sum
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.forms import LoginForm
from core.errors import ApplicationError
from core.ratelimit import client_ip, minutes

# Failures for one account from all addresses together, within the cool-off time.
ACCOUNT_FAILURE_CEILING = 50


def attempted_email(request, credentials) -> str:
    """The account an attempt is for, spelled as the login spells it (case and spaces do not
    make a new account, so they do not make a new counter either)."""
    credentials = credentials or {}
    # authenticate() passes `username`; axes' backend names it after USERNAME_FIELD (`email`).
    raw = credentials.get("username", credentials.get("email"))
    if raw is None and request is not None:
        raw = request.POST.get("username", "")
    return (raw or "").strip().lower()


def client_address(request) -> str | None:
    """The client address axes counts by (AXES_CLIENT_IP_CALLABLE): REMOTE_ADDR, as the rate
    limits use it, or None where there is none (a login made in code, not by a request)."""
    address = client_ip(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address


def failure_limit(request, credentials) -> int:
    """axes' limit for this attempt (AXES_FAILURE_LIMIT): AXES_FAILURES_PER_ADDRESS for the
    account from this address, and none left (0) once the account as a whole has reached
    ACCOUNT_FAILURE_CEILING failures within the cool-off time."""
    username = get_client_username(request, credentials)
    if username:
        attempts = AccessAttempt.objects.filter(username=username)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        total = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
        if total >= ACCOUNT_FAILURE_CEILING:
            return 0
    return settings.AXES_FAILURES_PER_ADDRESS


def account_unlock(*, email: str) -> None:
    """Forget the account's failed attempts from every address (its owner proved control of
    the mailbox by an emailed link)."""
    reset(username=email.strip().lower())


def lockout_message() -> str:
    cooloff = int(settings.AXES_COOLOFF_TIME.total_seconds())
    return _(
        "Too many failed attempts to log in to this account. For your safety it is locked "
        "for %(minutes)s minutes. Try again later, or set a new password."
    ) % {"minutes": minutes(cooloff)}


def current_password_check(*, request, user, password: str, field: str) -> None:
    """A page that asks for the person's current password checks it here, so wrong guesses
    count toward the login lockout and a locked account is refused like at the login.

    Raises ApplicationError (at `field`) for a wrong password and while locked."""
    authenticated = authenticate(request, username=user.email, password=password or "")
    locked = getattr(request, "axes_locked_out", False)
    # The page shows the refusal at its field; axes' middleware would swap in the login page.
    request.axes_locked_out = False
    if locked:
        raise ApplicationError(lockout_message(), field=field)
    if authenticated is None or authenticated.pk != user.pk:
        raise ApplicationError(_("Your current password is incorrect."), field=field)


def locked_out(request, original_response=None, credentials=None):
    form = LoginForm(request, initial={"username": attempted_email(request, credentials)})
    return render(
        request,
        "accounts/login.html",
        {"form": form, "lockout": lockout_message(), "next": request.POST.get("next", "")},
        status=429,
    )
