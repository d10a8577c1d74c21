import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from garage.models import Membership
from tests import figures
from tests.accounts.factories import UserFactory
from tests.garage.factories import GarageFactory, MembershipFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The browser journeys inject it into every page (package-lock.json pins it).
AXE_CORE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def pytest_runtest_setup(item):
    """Tests marked needs_postgres / needs_redis / needs_browser skip, by name, when the service
    is missing;
    with REQUIRE_SERVICES=1 (CI) they fail instead, so CI can never pass on SQLite by accident."""
    missing = []
    if item.get_closest_marker("needs_postgres") and not settings.USING_POSTGRES:
        missing.append("PostgreSQL (set DATABASE_URL)")
    if item.get_closest_marker("needs_redis") and not settings.USING_REDIS:
        missing.append("Redis (set REDIS_URL)")
    if item.get_closest_marker("needs_browser") and not shutil.which(CHROMIUM):
        missing.append(f"Chromium at {CHROMIUM} (run `make browser`)")
    if item.get_closest_marker("needs_browser") and not AXE_CORE.exists():
        missing.append("axe-core in node_modules/ (run `make browser`)")
    if missing:
        reason = f"{item.nodeid} needs " + " and ".join(missing)
        if REQUIRE_SERVICES:
            pytest.fail(reason + ", and REQUIRE_SERVICES=1 is set", pytrace=False)
        pytest.skip(reason)


def pytest_terminal_summary(terminalreporter):
    totals = figures.totals()
    if not totals:
        return
    terminalreporter.section("AutoPaspoort reliability figures")
    for name, value in totals.items():
        terminalreporter.write_line(f"{name}: {value}")
    figures.write(settings.BASE_DIR / "var" / "test-figures.json")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty shared cache: no rate-limit counters (keyed by the client
    IP, and every test client is 127.0.0.1), no cached sessions, memberships, garages or
    dashboards (keyed by ids, which a new test database hands out again). Only the cache's own
    keys: the same Redis database holds the Celery queues of the worker tests."""
    from django.core.cache import cache

    if settings.USING_REDIS:
        client = cache._cache.get_client(write=True)
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


# --- Personas ---------------------------------------------------------------------------------
# Garage A with its admin (the account login), a mechanic and a sales person; garage B with its
# admin; two plain owners; a support person; an anonymous visitor. Everyone but the invited and
# support people logs in with tests.accounts.factories.PASSWORD.


@pytest.fixture
def garage(db):
    garage = GarageFactory(name="Garage A", email="garage-a@example.nl")
    garage.account_user.full_name = "Beheerder A"
    garage.account_user.save(update_fields=["full_name"])
    return garage


@pytest.fixture
def garage_admin(garage):
    return garage.account_user


def _member(garage, role):
    return MembershipFactory(garage=garage, role=role, invited_by=garage.account_user).user


@pytest.fixture
def mechanic(garage):
    return _member(garage, Membership.Role.MECHANIC)


@pytest.fixture
def sales(garage):
    return _member(garage, Membership.Role.SALES)


@pytest.fixture
def other_garage(db):
    return GarageFactory(name="Garage B", email="garage-b@example.nl")


@pytest.fixture
def other_garage_staff(other_garage):
    return other_garage.account_user


@pytest.fixture
def owner(db):
    return UserFactory(full_name="Eigenaar Een")


@pytest.fixture
def other_owner(db):
    return UserFactory(full_name="Eigenaar Twee")


@pytest.fixture
def support_user(db):
    user = UserFactory(full_name="Support Medewerker", is_staff=True)
    user.groups.add(Group.objects.get(name="support"))  # created by a migration
    return user


@pytest.fixture
def anonymous():
    return Client()


@pytest.fixture
def client_for(db):
    """`client_for(user)`: a fresh test client logged in as that user."""

    def make(user, **defaults):
        client = Client(**defaults)
        client.force_login(user)
        return client

    return make
