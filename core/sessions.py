"""Sessions read from the shared cache (Redis) with the database behind, as Django's cached_db
engine keeps them, with two differences:

- An unreachable cache is never an error: the session is read from and written to the database
  alone, as before the cache (Django's engine raises when it checks a new key or logs out).
- A cached copy lives at most CACHED_SECONDS, not the session's two weeks: a logout whose cache
  delete failed (Redis unreachable at that moment, then back with its data) leaves the old
  session usable for at most that long. A miss costs one query, so the cap is cheap.
"""

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

logger = logging.getLogger(__name__)

CACHED_SECONDS = 15 * 60


class SessionStore(cached_db.SessionStore):
    def _cache_seconds(self, expiry_age: int) -> int:
        return max(0, min(expiry_age, CACHED_SECONDS))

    def _cache_set(self, data, expiry_age: int) -> None:
        try:
            self._cache.set(self.cache_key, data, self._cache_seconds(expiry_age))
        except Exception:
            logger.warning("Session cache unavailable; the session is kept in the database.")

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            logger.warning("Session cache unavailable; the session is read from the database.")
            data = None
        if data is None:
            stored = self._get_session_from_db()
            if not stored:
                return {}
            data = self.decode(stored.session_data)
            self._cache_set(data, self.get_expiry_age(expiry=stored.expire_date))
        return data

    def exists(self, session_key):
        if session_key:
            try:
                if (self.cache_key_prefix + session_key) in self._cache:
                    return True
            except Exception:
                logger.warning("Session cache unavailable; asking the database.")
        return DBStore.exists(self, session_key)

    def save(self, must_create=False):
        DBStore.save(self, must_create)
        self._cache_set(self._session, self.get_expiry_age())

    def delete(self, session_key=None):
        DBStore.delete(self, session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:
            logger.warning(
                "Session cache unavailable; a logged-out session stays cached for at most "
                "%s minutes.",
                CACHED_SECONDS // 60,
            )
