"""Settings for the test suite: the app's own settings, with real services when reachable.

PostgreSQL and Redis are used when DATABASE_URL / REDIS_URL are set, or when something answers
on their default local ports (127.0.0.1:5432 as user `postgres`, 127.0.0.1:6379). Otherwise the
suite runs on SQLite and skips, by name, the tests that need a real service.
"""

import os
import socket


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


if "DATABASE_URL" not in os.environ and _reachable("127.0.0.1", 5432):
    os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/autopaspoort"
if "REDIS_URL" not in os.environ and _reachable("127.0.0.1", 6379):
    os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/1"

from config.settings import *  # noqa: E402, F403
from config.settings import CACHES, DATABASES, REDIS_URL  # noqa: E402

USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
USING_REDIS = bool(REDIS_URL)
if not USING_POSTGRES:
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}

# Most tests run tasks in-process; the worker tests start a real worker on Redis.
CELERY_TASK_ALWAYS_EAGER = True
# A batch's sender threads have their own database connections, which cannot see a test's
# uncommitted rows: one sender, on the test's connection. Tests of the threads say so.
NOTIFICATION_SENDERS = 1
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# No internet here: RDW tests switch the lookup on against a local server of recorded responses.
RDW_LOOKUP_ENABLED = False
# Speed; never in the app. The app's own list (Argon2 first) is `config.settings.PASSWORD_HASHERS`.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Check photos: a folder of the checkout's var/, never the app's var/media/ (tests/photos give
# each test its own folder).
MEDIA_ROOT = str(BASE_DIR / "var" / "test-media")  # noqa: F405
if USING_REDIS:
    CACHES["default"]["KEY_PREFIX"] = "autopaspoort-test"
# Tests run with DEBUG off but without collectstatic: let WhiteNoise look files up on request
# (as in development) instead of warning that STATIC_ROOT does not exist.
WHITENOISE_AUTOREFRESH = True
