"""Bearer-token authentication and per-token rate limiting for the GMS API."""

import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from ninja.security import HttpBearer

from core import ratelimit
from garage.models import ApiToken, Membership
from garage.services import api_token_hash

LAST_USED_RESOLUTION = timedelta(minutes=1)  # don't write a row on every request


class RateLimited(Exception):
    def __init__(
        self, retry_after: int, message: str = "Too many requests for this token; slow down."
    ):
        super().__init__(message)
        self.retry_after = retry_after
        self.message = message


def check_rate(token: ApiToken) -> None:
    """A fixed one-minute window per token, counted in the shared cache (Redis in production)."""
    now = time.time()
    key = f"api-rate:{token.pk}:{int(now // 60)}"
    cache.add(key, 0, timeout=61)
    if cache.incr(key) > settings.API_RATE_LIMIT_PER_MINUTE:
        raise RateLimited(retry_after=max(1, 60 - int(now % 60)))


def usable_token_filter() -> Q:
    """A token works only while it is not revoked and its garage's login is active and still
    the garage's admin: deactivating the login (closing the garage) or taking its admin role
    kills every token of the garage at once."""
    return Q(revoked_at__isnull=True, garage__account_user__is_active=True) & Q(
        Exists(
            Membership.objects.filter(
                garage=OuterRef("garage"),
                user=OuterRef("garage__account_user"),
                role=Membership.Role.ADMIN,
            )
        )
    )


class GarageToken(HttpBearer):
    """`Authorization: Bearer <token>`: the request acts for the token's garage only."""

    def __call__(self, request):
        # ninja's HttpBearer logs a header with another scheme in full when DEBUG is on; a
        # credential never goes to a log, so the header is read here, silently.
        scheme, _, token = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, token)

    def authenticate(self, request, token):
        api_token = (
            ApiToken.objects.select_related("garage__account_user")
            .filter(usable_token_filter(), token_hash=api_token_hash(token))
            .first()
        )
        if api_token is None:
            # Guessing tokens: after 20 wrong ones in 5 minutes a client gets 429s. A valid
            # token from the same address (a colleague's GMS behind one IP) still works.
            wait = ratelimit.hit(ratelimit.API_BAD_TOKEN_PER_IP, ratelimit.client_ip(request))
            if wait is not None:
                raise RateLimited(wait, "Too many failed token checks from this address.")
            return None
        check_rate(api_token)
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.garage = api_token.garage
        if "HTTP_ACCEPT_LANGUAGE" not in request.META:
            translation.activate("en")  # integrations read English unless they ask otherwise
        return api_token
