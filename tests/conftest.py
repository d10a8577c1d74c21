import os

import pytest
from django.conf import settings

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_runtest_setup(item):
    """Tests marked needs_postgres / needs_redis skip, by name, when the service is missing;
    with REQUIRE_SERVICES=1 (CI) they fail instead, so CI can never pass on SQLite by accident."""
    missing = []
    if item.get_closest_marker("needs_postgres") and not settings.USING_POSTGRES:
        missing.append("PostgreSQL (set DATABASE_URL)")
    if item.get_closest_marker("needs_redis") and not settings.USING_REDIS:
        missing.append("Redis (set REDIS_URL)")
    if missing:
        reason = f"{item.nodeid} needs " + " and ".join(missing)
        if REQUIRE_SERVICES:
            pytest.fail(reason + ", and REQUIRE_SERVICES=1 is set", pytrace=False)
        pytest.skip(reason)
