"""Bearer-token authentication and per-token rate limiting for the GMS API.

Which tokens work is garage's rule (`garage.selectors.usable_token_filter`); the counting is
the site's one limiter (`core.ratelimit`), which fails open when the cache is down.
"""

from datetime import timedelta

from django.utils import timezone, translation
from ninja.security import HttpBearer

from core import ratelimit
from garage.selectors import usable_token_get
from garage.services import api_token_hash, api_token_mark_used

LAST_USED_RESOLUTION = timedelta(minutes=1)  # don't write a row on every request


class RateLimited(Exception):
    def __init__(
        self, retry_after: int, message: str = "Too many requests for this token; slow down."
    ):
        super().__init__(message)
        self.retry_after = retry_after
        self.message = message


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
        api_token = usable_token_get(token_hash=api_token_hash(token))
        if api_token is None:
            # Guessing tokens: after 20 wrong ones in 5 minutes a client gets 429s. A valid
            # token from the same address (a colleague's GMS behind one IP) still works.
            wait = ratelimit.hit(ratelimit.API_BAD_TOKEN_PER_IP, ratelimit.client_ip(request))
            if wait is not None:
                raise RateLimited(wait, "Too many failed token checks from this address.")
            return None
        wait = ratelimit.hit(ratelimit.API_PER_TOKEN, str(api_token.pk))
        if wait is not None:
            raise RateLimited(wait)
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
            api_token_mark_used(token=api_token, at=now)
        request.garage = api_token.garage
        if "HTTP_ACCEPT_LANGUAGE" not in request.META:
            translation.activate("en")  # integrations read English unless they ask otherwise
        return api_token
