"""Dependency checks for /healthz: each returns None when fine, or a short error."""

from django.conf import settings
from django.db import connection
from kombu import Connection


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return type(exc).__name__
    return None


def check_broker() -> str | None:
    """None if the broker answers (or none is configured: eager mode has no broker)."""
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL:
        return None
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=0, timeout=1)
    except Exception as exc:
        return type(exc).__name__
    return None
