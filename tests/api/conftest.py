"""GMS API fixtures: a token for garage A and one for garage B, made the way the app makes them
(`garage.services.api_token_create`), and `api`/`api_b`: the Django test client with the bearer
header and a JSON body. The API answers in English when no Accept-Language is sent; the helpers
send none, so messages can be asserted in English."""

import json
import time

import pytest
from django.core.cache import cache
from django.test import Client

from core import ratelimit
from garage.services import api_token_create

BASE = "/api/v1"


def rate_key(token, minute: int) -> str:
    """The cache key counting `token`'s requests in that minute (`core.ratelimit`)."""
    return ratelimit.cache_key(ratelimit.API_PER_TOKEN, str(token.pk), minute)


def clear_rate_keys(token) -> None:
    """Forget the per-minute request counts of `token`."""
    minute = int(time.time() // 60)
    cache.delete_many([rate_key(token, m) for m in range(minute - 2, minute + 3)])


class Api:
    """`api.get("/passports")`, `api.post("/passports", {...})`: paths are below /api/v1."""

    def __init__(self, raw_token: str | None):
        self.client = Client()
        self.raw_token = raw_token

    def headers(self, extra):
        headers = {} if self.raw_token is None else {"Authorization": f"Bearer {self.raw_token}"}
        return {**headers, **(extra or {})}

    def get(self, path, params=None, headers=None):
        return self.client.get(BASE + path, params or {}, headers=self.headers(headers))

    def post(self, path, body=None, *, headers=None, content_type="application/json", raw=None):
        data = raw if raw is not None else json.dumps(body)
        return self.client.post(
            BASE + path, data, content_type=content_type, headers=self.headers(headers)
        )

    def as_token(self, raw_token):
        return Api(raw_token)


@pytest.fixture
def token_a(garage):
    token, raw = api_token_create(garage=garage, actor=garage.account_user, name="GMS A")
    clear_rate_keys(token)
    yield token, raw
    clear_rate_keys(token)


@pytest.fixture
def token_b(other_garage):
    token, raw = api_token_create(
        garage=other_garage, actor=other_garage.account_user, name="GMS B"
    )
    clear_rate_keys(token)
    yield token, raw
    clear_rate_keys(token)


@pytest.fixture
def api(token_a):
    """Garage A's GMS."""
    return Api(token_a[1])


@pytest.fixture
def api_b(token_b):
    """Garage B's GMS."""
    return Api(token_b[1])


@pytest.fixture
def no_token(db):
    return Api(None)


def stock_body(plate, garage, **fields):
    """A create body for a stock car of `garage` (its account email as owner email)."""
    return {"plate": plate, "owner": {"email": garage.email}, **fields}


def customer_body(plate, email="nieuwe.eigenaar@example.nl", **fields):
    return {"plate": plate, "owner": {"email": email, "name": "Nieuwe Eigenaar"}, **fields}


def assert_error(response, status, code=None):
    """The contract's error shape, as JSON, never a page."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]
