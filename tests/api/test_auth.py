"""Authentication, rate limiting and the error shape: every answer of the API is JSON in the
contract's shape, whatever went wrong (no token, a revoked token, too many requests, a body
that is not JSON or too large, a wrong method or path)."""

import logging
import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.test import override_settings

from core import ratelimit
from garage.services import api_token_create, api_token_revoke
from tests.api.conftest import assert_error, clear_rate_keys, rate_key, stock_body
from tests.autopaspoort.factories import PassportFactory

pytestmark = pytest.mark.django_db

# One request per operation of the contract, with and without the trailing slash.
OPERATIONS = [
    ("get", "/passports", None),
    ("get", "/passports/", None),
    ("post", "/passports", {"plate": "GJ-55-55", "owner": {"email": "x@example.nl"}}),
    ("post", "/passports/", {"plate": "GJ-55-55", "owner": {"email": "x@example.nl"}}),
    ("get", "/passports/GJ-55-55", None),
    ("get", "/passports/GJ-55-55/", None),
    ("post", "/passports/GJ-55-55/history", {"date": "2024-01-01"}),
    ("post", "/passports/GJ-55-55/history/", {"date": "2024-01-01"}),
    ("post", "/passports/bulk", {"items": []}),
    ("post", "/passports/bulk/", {"items": []}),
]


def call(client, method, path, body):
    return client.get(path) if method == "get" else client.post(path, body)


# --- 401 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_every_operation_without_a_token_is_401_in_the_error_shape(no_token, method, path, body):
    error = assert_error(call(no_token, method, path, body), 401, "unauthorized")

    assert "Bearer" in error["message"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer ap_not-a-token-we-made",
        "Bearer ",
        "Bearer",
        "Token ap_whatever",
        "Basic dXNlcjpwYXNz",
        "ap_no-scheme-at-all",
    ],
)
def test_a_wrong_or_malformed_authorization_header_is_401(garage, no_token, header):
    PassportFactory(garage=garage, plate="GJ-55-55")

    response = no_token.get("/passports/GJ-55-55", headers={"Authorization": header})

    assert_error(response, 401, "unauthorized")
    assert b"GJ-55-55" not in response.content


SECRET_HEADERS = [
    ("Token ap_secret-one", "ap_secret-one"),
    ("Basic c2VjcmV0OnBhc3N3b3Jk", "c2VjcmV0OnBhc3N3b3Jk"),
    ("ap_secret-two", "ap_secret-two"),
    ("Bearer ap_secret-three", "ap_secret-three"),
    ("Bearer  ap_secret-four extra", "ap_secret-four"),
]


@pytest.mark.parametrize(("header", "secret"), SECRET_HEADERS)
@pytest.mark.parametrize("debug", [True, False])
def test_no_credential_is_ever_logged_even_with_debug_on(
    garage, no_token, caplog, settings, header, secret, debug
):
    settings.DEBUG = debug
    caplog.set_level(logging.DEBUG)  # every logger, every level

    for path in ("/passports", "/passports/GJ-55-55"):
        assert_error(no_token.get(path, headers={"Authorization": header}), 401)

    logged = "\n".join(
        logging.Formatter("%(message)s %(exc_text)s %(args)s").format(record)
        + repr(record.__dict__)
        for record in caplog.records
    )
    assert secret not in logged
    assert secret[3:] not in logged  # nor a part of it


def test_the_token_of_a_garage_with_its_hash_as_token_is_401(api, token_a):
    """Only the token opens the door, not what is stored of it."""
    token, _raw = token_a

    assert_error(api.as_token(token.token_hash).get("/passports"), 401, "unauthorized")


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_a_revoked_token_is_401_on_every_operation(api, token_a, garage_admin, method, path, body):
    token, _raw = token_a
    assert api.get("/passports").status_code == 200

    api_token_revoke(token=token, actor=garage_admin)

    assert_error(call(api, method, path, body), 401, "unauthorized")


def test_revoking_one_token_leaves_the_other_tokens_of_the_garage_working(
    api, garage, garage_admin, token_a
):
    _second, second_raw = api_token_create(garage=garage, actor=garage_admin, name="Second GMS")
    api_token_revoke(token=token_a[0], actor=garage_admin)

    assert api.as_token(second_raw).get("/passports").status_code == 200
    assert api.get("/passports").status_code == 401


def test_a_valid_token_answers_in_english_by_default(api):
    error = assert_error(api.post("/passports", {"plate": "!!", "owner": {"email": "x@y.nl"}}), 400)

    assert error["code"] == "invalid_plate"
    assert "licence plate" in error["message"]


# --- 429 --------------------------------------------------------------------------------------


@pytest.fixture
def frozen_minute(monkeypatch):
    """The rate window's clock stands still 30 s into a minute, so the test never straddles two
    windows and Retry-After is known."""
    now = (int(time.time()) // 60) * 60 + 30.25
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now))
    return int(now // 60)


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_a_token_over_its_rate_limit_gets_429_with_retry_after(
    api, api_b, token_a, token_b, frozen_minute
):
    for token in (token_a[0], token_b[0]):
        clear_rate_keys(token)

    statuses = [api.get("/passports").status_code for _ in range(3)]
    limited = api.get("/passports")

    assert statuses == [200, 200, 200]
    error = assert_error(limited, 429, "rate_limited")
    assert error["message"]
    assert limited["Retry-After"] == "30"
    # Every operation counts, and stays limited within the minute.
    assert_error(api.post("/passports/bulk", {"items": []}), 429, "rate_limited")
    # The limit is per token: garage B's GMS is not slowed down by garage A's.
    assert api_b.get("/passports").status_code == 200


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_the_rate_limit_counts_per_token_in_the_shared_cache_and_resets_next_minute(
    api, token_a, frozen_minute, monkeypatch
):
    token, _raw = token_a
    clear_rate_keys(token)
    for _ in range(4):
        api.get("/passports")
    assert cache.get(rate_key(token, frozen_minute)) == 4

    next_minute = (frozen_minute + 1) * 60 + 1.0
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: next_minute))

    assert api.get("/passports").status_code == 200
    clear_rate_keys(token)


class CacheDown(BaseCache):
    """A shared cache whose server cannot be reached: every call raises."""

    def __init__(self, location, params):
        super().__init__(params)

    def _unreachable(self, *args, **kwargs):
        raise ConnectionError("cache unreachable")

    add = get = set = touch = delete = incr = decr = has_key = _unreachable
    get_many = set_many = delete_many = clear = _unreachable


@override_settings(
    API_RATE_LIMIT_PER_MINUTE=1,
    CACHES={"default": {"BACKEND": "tests.api.test_auth.CacheDown"}},
)
def test_with_the_cache_down_the_token_limit_lets_authenticated_calls_through(api, garage, caplog):
    """The limit fails open like the site's: an unreachable cache must not stop a GMS."""
    created = api.post("/passports", stock_body("GJ-55-55", garage))
    listed = [api.get("/passports").status_code for _ in range(3)]

    assert created.status_code == 201, created.content
    assert listed == [200, 200, 200]
    assert "Rate limit api-token not counted: the cache is unavailable." in caplog.text


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_requests_without_a_valid_token_do_not_use_up_the_tokens_limit(
    api, no_token, token_a, frozen_minute
):
    clear_rate_keys(token_a[0])
    for _ in range(5):
        no_token.get("/passports")
        api.as_token("ap_wrong").get("/passports")

    assert api.get("/passports").status_code == 200


# --- 415, 400 (not JSON), 413 (too large) -----------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "raw"),
    [
        ("application/x-www-form-urlencoded", "plate=GJ-55-55&owner=x%40example.nl"),
        ("text/plain", '{"plate": "GJ-55-55"}'),
        ("application/xml", "<plate>GJ-55-55</plate>"),
    ],
)
@pytest.mark.parametrize("path", ["/passports", "/passports/bulk", "/passports/GJ-55-55/history"])
def test_a_body_that_is_not_sent_as_json_is_415(api, garage, content_type, raw, path):
    PassportFactory(garage=garage, plate="GJ-55-55")

    response = api.post(path, raw=raw, content_type=content_type)

    assert_error(response, 415, "unsupported_media_type")


def test_a_multipart_form_is_415(api):
    response = api.client.post(
        "/api/v1/passports", {"plate": "GJ-55-55"}, headers=api.headers(None)
    )  # the test client's default: multipart/form-data

    assert_error(response, 415, "unsupported_media_type")


def test_json_with_a_charset_is_accepted(api, garage):
    response = api.post(
        "/passports",
        stock_body("GJ-55-55", garage),
        content_type="application/json; charset=utf-8",
    )

    assert response.status_code == 201


@pytest.mark.parametrize("raw", ["{", "{'plate': 'x'}", "", "\xff", "[1, 2,]"])
def test_a_body_that_is_not_valid_json_is_400(api, raw):
    error = assert_error(api.post("/passports", raw=raw), 400)

    assert error["code"] in ("invalid_json", "invalid_input")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2_000)
def test_a_body_over_the_upload_limit_is_413_in_the_error_shape(api, garage):
    body = stock_body("GJ-55-55", garage, owner={"email": garage.email, "name": "x" * 5_000})

    assert_error(api.post("/passports", body), 413, "body_too_large")


# --- Never an HTML page -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "/api/v1/passports"),
        ("put", "/api/v1/passports/GJ-55-55"),
        ("get", "/api/v1/passports/bulk"),
        ("get", "/api/v1/passports/GJ-55-55/history"),
    ],
)
def test_a_method_the_api_does_not_offer_is_answered_in_json(api, method, path):
    response = getattr(api.client, method)(path, headers=api.headers(None))

    assert response.status_code in (404, 405)
    assert_error(response, response.status_code)


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/nope", "/api/v1/passports/GJ-55-55/x"])
def test_an_unknown_path_below_the_api_is_a_json_404(api, path):
    response = api.client.get(path, headers=api.headers(None))

    assert_error(response, 404)
    assert b"<html" not in response.content.lower()
