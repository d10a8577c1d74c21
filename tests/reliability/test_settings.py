"""Issue 9: the settings the fault behaviour depends on, as production loads them (a
subprocess with production's environment: the test settings override some of them)."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from autopaspoort.tasks import enrich_passport_from_rdw
from notifications.services import RETRY_MAX_SECONDS

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DATABASE_URL": "postgres://autopaspoort:secret@db:5432/autopaspoort",
    "REDIS_URL": "redis://redis:6379/0",
    "SECRET_KEY": "production-like-secret-key-for-this-test-only-0123456789",
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "autopaspoort.nl",
}

READ = """
import json
from django.conf import settings
print(json.dumps({
    "transport": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "connection_timeout": settings.CELERY_BROKER_CONNECTION_TIMEOUT,
    "publish_retry": settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "acks_late": settings.CELERY_TASK_ACKS_LATE,
    "reject_on_worker_lost": settings.CELERY_TASK_REJECT_ON_WORKER_LOST,
    "database": {k: settings.DATABASES["default"].get(k) for k in
                 ("ENGINE", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS")},
}))
"""


@pytest.fixture(scope="module")
def production():
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    result = subprocess.run(
        [sys.executable, "-c", READ],
        cwd=settings.BASE_DIR,
        env={**env, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def longest_retry_countdown() -> int:
    # autopaspoort.tasks.enrich_passport_from_rdw retries with 60 * 2**retries seconds, for
    # retries 0 .. max_retries - 1; emails back off up to RETRY_MAX_SECONDS.
    rdw = 60 * 2 ** (enrich_passport_from_rdw.max_retries - 1)
    return max(RETRY_MAX_SECONDS, rdw)


def test_the_broker_hands_a_task_to_a_second_worker_only_after_the_longest_retry_wait(
    production,
):
    """A retry waits in a worker's memory, unacknowledged, until its countdown ends; Redis
    redelivers unacknowledged tasks after visibility_timeout."""
    assert production["transport"]["visibility_timeout"] > longest_retry_countdown()
    assert production["acks_late"]
    assert production["reject_on_worker_lost"]
    assert production["eager"] is False


def test_publishing_to_a_broker_that_is_down_gives_up_quickly(production):
    """A web request publishes after commit; with the broker down it must answer anyway."""
    transport = production["transport"]
    assert production["connection_timeout"] <= 1
    assert transport["socket_connect_timeout"] <= 1
    assert transport["socket_timeout"] <= 5
    # One attempt: every retry would add another connect timeout to the page's answer.
    assert production["publish_retry"]["max_retries"] == 0


def test_database_connections_are_kept_and_checked_before_reuse(production):
    database = production["database"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["CONN_MAX_AGE"] > 0
    assert database["CONN_HEALTH_CHECKS"] is True
