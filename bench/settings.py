"""Benchmark settings: the production settings (DJANGO_DEBUG=false, from the environment the
harness sets) plus a baseline URL, served by gunicorn on loopback. Never used by the app."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# Plain HTTP on loopback: no redirect to HTTPS, and cookies a plain-HTTP client sends back.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# One client asks for the share page thousands of times a second: lift its limits (still counted).
SHARE_VIEWS_PER_TOKEN = SHARE_VIEWS_PER_IP = 10**9
