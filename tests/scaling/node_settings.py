"""Settings of the app processes tests/scaling starts: the production settings (DJANGO_DEBUG=false
and everything else from the environment the test sets), served on plain HTTP on loopback."""

import os

from config.settings import *  # noqa: F403
from config.settings import CACHES, STORAGES

# Plain HTTP on loopback: no redirect to HTTPS, and cookies a plain-HTTP client sends back.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Static files are a build artefact, the same on every node (collectstatic in the image); the
# compressed manifest takes a minute to build, so here WhiteNoise serves them from the checkout.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# One prefix per test run, shared by both processes: a rerun within the rate-limit windows
# starts from zero, and the test deletes its keys afterwards.
CACHES["default"]["KEY_PREFIX"] = os.environ["SCALING_CACHE_PREFIX"]
