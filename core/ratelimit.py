"""Rate limits: the pages that send email or check secrets without a login lockout, and the
GMS API (wrong tokens per client, requests per token). The one limiter of the project.

Attempts are counted per key in a fixed window in the shared cache (Redis in production), so
every web process sees the same counts. Keys are hashed: no email address lands in the cache.

The counters fail open: when the cache cannot be reached the attempt is allowed and a warning
logged. A Redis outage must not stop people from resetting their password; the limits are a
brake on abuse, not the lock on the door (tokens and passwords are).
"""

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    scope: str
    max_hits: int | Callable[[], int]  # a callable is read at each hit (a setting)
    window_seconds: int

    def maximum(self) -> int:
        return self.max_hits() if callable(self.max_hits) else self.max_hits


# Per address: a stranger cannot flood one inbox. Per client IP, generous: a garage or an office
# behind one address is many people, but one client cannot walk through a list of addresses.
EMAIL_LINK_PER_ADDRESS = Limit("email-link-address", max_hits=5, window_seconds=5 * 60)
EMAIL_LINK_PER_IP = Limit("email-link-ip", max_hits=50, window_seconds=5 * 60)
# Failed API token checks per client IP (valid tokens are never refused by this limit).
API_BAD_TOKEN_PER_IP = Limit("api-bad-token-ip", max_hits=20, window_seconds=5 * 60)
# Requests per valid API token; the setting is read at each hit, so an override applies at once.
API_PER_TOKEN = Limit(
    "api-token", max_hits=lambda: settings.API_RATE_LIMIT_PER_MINUTE, window_seconds=60
)

# Views of a public share page: per link (a scraper walking one link, or inflating its view
# count) and per client (walking many links). A buyer reading the page is far below both.
# Settings, read at each hit: the benchmark (bench/settings.py) lifts them to measure the page.
SHARE_VIEW_PER_TOKEN = Limit(
    "share-token", max_hits=lambda: settings.SHARE_VIEWS_PER_TOKEN, window_seconds=5 * 60
)
SHARE_VIEW_PER_IP = Limit(
    "share-ip", max_hits=lambda: settings.SHARE_VIEWS_PER_IP, window_seconds=5 * 60
)
# A share link's photos (sharing.views.share_photo), limited the same way in buckets of their
# own: one page view asks for a thumbnail per photo, which must not use up the page's budget.
SHARE_PHOTO_PER_TOKEN = Limit("share-photo-token", max_hits=1500, window_seconds=5 * 60)
SHARE_PHOTO_PER_IP = Limit("share-photo-ip", max_hits=600, window_seconds=5 * 60)
# Verification codes looked up per client: 60 random bits cannot be walked, but why let anyone try.
VERIFY_PER_IP = Limit("verify-ip", max_hits=60, window_seconds=5 * 60)


def cache_key(limit: Limit, value: str, window: int) -> str:
    """The counter of `value` in the `window`-th window since the epoch."""
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"ratelimit:{limit.scope}:{digest}:{window}"


def hit(limit: Limit, value: str) -> int | None:
    """Count one attempt for `value`. Returns the seconds to wait when it is over the limit,
    rounded up: a client that waits that long is in the next window (an HTTP Retry-After)."""
    now = time.time()
    key = cache_key(limit, value, int(now // limit.window_seconds))
    seconds_left = limit.window_seconds - int(now % limit.window_seconds)
    try:
        cache.add(key, 0, timeout=limit.window_seconds + 1)
        count = cache.incr(key)
    except Exception:  # cache down (or the key expired between add and incr): let it through
        logger.warning("Rate limit %s not counted: the cache is unavailable.", limit.scope)
        return None
    return seconds_left if count > limit.maximum() else None


def client_ip(request) -> str:
    # REMOTE_ADDR only: behind a proxy, the proxy must set it (gunicorn --forwarded-allow-ips);
    # a client-supplied X-Forwarded-For would let anyone pick their own counter.
    return request.META.get("REMOTE_ADDR") or "unknown"


def email_link_wait(request, email: str) -> int | None:
    """For a page that emails a link to an address someone types (password reset, activation
    resend): count the request per address and per client; the seconds to wait, or None.
    Known and unknown addresses are counted alike, so the answer tells nothing about either."""
    address_wait = hit(EMAIL_LINK_PER_ADDRESS, email.strip().lower())
    ip_wait = hit(EMAIL_LINK_PER_IP, client_ip(request))
    waits = [wait for wait in (address_wait, ip_wait) if wait]
    return max(waits) if waits else None


def minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


def too_many_link_requests(wait_seconds: int) -> str:
    """The form error when `email_link_wait` says wait (the same for every address)."""
    return _(
        "We have just sent several links for this address. Wait %(minutes)s minutes and try "
        "again; the last link we sent still works."
    ) % {"minutes": minutes(wait_seconds)}
