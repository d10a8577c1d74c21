"""Reads kept in the shared cache (Redis in production, so every web process sees the same
entries and the same forgetting), failing open: when the cache cannot be reached the value is
read from the database and the page still works, a little slower.

An entry is forgotten by the service that changes what it holds, right away and again after
the transaction commits: a request that read the old rows just before the commit cannot leave
them cached past the first forget. Each entry's lifetime bounds what a change outside the
services, or a forget lost to a cache outage, leaves stale.
"""

import logging
from collections.abc import Callable, Iterable
from functools import partial

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

_MISSING = object()


def cached(key: str, load: Callable[[], object], seconds: int):
    """The value under `key`, else `load()` stored for `seconds`. None is a value like any."""
    try:
        value = cache.get(key, _MISSING)
    except Exception:  # the cache is down
        logger.warning("Cache unavailable; %s read from the database.", key.split(":")[0])
        return load()
    if value is _MISSING:
        value = load()
        try:
            cache.set(key, value, seconds)
        except Exception:
            logger.warning("Cache unavailable; %s not stored.", key.split(":")[0])
    return value


def cached_many(keys: list[str]) -> dict[str, object]:
    """The entries of `keys` that are cached, in one round trip; {} when the cache is down."""
    try:
        return cache.get_many(keys)
    except Exception:
        logger.warning("Cache unavailable; %s read without it.", keys[0].split(":")[0])
        return {}


def store(key: str, value, seconds: int) -> None:
    try:
        cache.set(key, value, seconds)
    except Exception:
        logger.warning("Cache unavailable; %s not stored.", key.split(":")[0])


def store_many(values: dict, seconds: int) -> None:
    try:
        cache.set_many(values, seconds)
    except Exception:
        logger.warning("Cache unavailable; %s not stored.", next(iter(values)).split(":")[0])


def _delete(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except Exception:
        logger.warning("Cache unavailable; %s not forgotten.", ", ".join(keys))


def forget(keys: Iterable[str]) -> None:
    """Delete `keys` now and again after the current transaction commits (see the module)."""
    keys = list(keys)
    if not keys:
        return
    _delete(keys)
    transaction.on_commit(partial(_delete, keys))


# The garages and fleets a person can reach, and whether they own a car: the navigation of
# every page (portal.context_processors), forgotten by the services that add or remove a
# membership, rename a garage or fleet, or give a car a new owner.
PLACES_SECONDS = 120


def places_key(user_id: int) -> str:
    return f"places:{user_id}"


def places_forget(user_ids: Iterable[int]) -> None:
    forget(places_key(user_id) for user_id in user_ids)
