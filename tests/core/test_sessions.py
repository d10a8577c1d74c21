"""Sessions in the shared cache with the database behind (core.sessions): a login, a page and a
logout work with the cache unreachable, and a cached copy never outlives CACHED_SECONDS."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from core.sessions import CACHED_SECONDS, SessionStore
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db
CACHE_DOWN = {"default": {"BACKEND": "tests.api.test_auth.CacheDown"}}


def log_in(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content
    return response


@override_settings(CACHES=CACHE_DOWN)
def test_with_the_cache_down_people_log_in_use_pages_and_log_out(
    anonymous, garage, garage_admin, caplog
):
    log_in(anonymous, garage_admin)
    assert anonymous.get(garage.get_absolute_url()).status_code == 200

    anonymous.post(reverse("accounts:logout"))

    assert not Session.objects.exists()
    assert anonymous.get(garage.get_absolute_url()).status_code == 302  # to the login page
    assert "Session cache unavailable" in caplog.text


def test_a_session_is_read_from_the_cache_and_kept_in_the_database(anonymous, garage_admin):
    log_in(anonymous, garage_admin)
    key = anonymous.cookies[settings.SESSION_COOKIE_NAME].value

    assert Session.objects.filter(session_key=key).exists()
    assert cache.get(SessionStore.cache_key_prefix + key) is not None
    if settings.USING_REDIS:
        client = cache._cache.get_client(write=True)
        ttl = client.ttl(cache.make_key(SessionStore.cache_key_prefix + key))
        assert 0 < ttl <= CACHED_SECONDS


def test_a_logout_ends_the_session_in_the_cache_and_the_database(anonymous, garage, garage_admin):
    log_in(anonymous, garage_admin)
    key = anonymous.cookies[settings.SESSION_COOKIE_NAME].value

    anonymous.post(reverse("accounts:logout"))

    assert cache.get(SessionStore.cache_key_prefix + key) is None
    assert not Session.objects.filter(session_key=key).exists()
    assert anonymous.get(garage.get_absolute_url()).status_code == 302
