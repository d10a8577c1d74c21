"""The OpenAPI document, the human docs, and a property-based run of every operation against
that document (schemathesis): no server errors, and every answer as the schema says."""

import json
import re
import zlib

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from autopaspoort.models import Passport
from tests.api.conftest import BASE
from tests.autopaspoort.factories import PassportFactory, plate_for, record_check

OPERATIONS = {
    "/api/v1/passports": {"get", "post"},
    "/api/v1/passports/bulk": {"post"},
    "/api/v1/passports/{plate}": {"get"},
    "/api/v1/passports/{plate}/history": {"post"},
    "/api/v1/passports/{plate}/share-links": {"post"},
    "/api/v1/passports/{plate}/share-links/{token}": {"delete"},
    "/api/v1/passports/{plate}/checks/{check_id}/photos": {"post"},
}
KNOWN_PLATE = "GJ-55-55"

# Loaded from the served document, in-process (no server, no network).
schema = schemathesis.openapi.from_wsgi(f"{BASE}/openapi.json", WSGIHandler())
schema.config.generation.update(max_examples=60, deterministic=True)
schema.config.seed = 20240601


# --- The document and the docs ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_openapi_document_is_valid_openapi_3_with_the_passport_paths(client):
    response = client.get(f"{BASE}/openapi.json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    document = response.json()
    assert document["openapi"].startswith("3.")
    schemathesis.openapi.from_dict(document).validate()  # the OpenAPI meta-schema
    paths = document["paths"]
    # Exactly these: a new operation needs its own property-based test below.
    assert {path: set(paths[path]) for path in paths} == OPERATIONS
    assert not [path for path in paths if path.endswith("/")]  # one entry per operation
    schemes = document["components"]["securitySchemes"]
    assert {scheme["scheme"].lower() for scheme in schemes.values()} == {"bearer"}
    for path, methods in OPERATIONS.items():
        for method in methods:
            operation = paths[path][method]
            assert operation["security"], (method, path)
            assert {"400", "401", "429"} <= set(operation["responses"]), (method, path)


def test_the_documented_error_shape_is_the_contracts():
    components = schema.raw_schema["components"]["schemas"]

    assert set(components["ErrorOut"]["properties"]) == {"error"}
    assert set(components["ErrorBody"]["properties"]) == {"code", "message", "fields"}


@pytest.mark.django_db
def test_the_docs_page_renders_without_any_cdn(client):
    response = client.get(f"{BASE}/docs")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert f"{BASE}/openapi.json" in page
    for cdn in ("cdn.", "unpkg", "jsdelivr", "cdnjs", "googleapis"):
        assert cdn not in page
    external = re.findall(r'(?:src|href)="(https?:)?//', page)
    assert not external
    # Every asset the page loads is one of ours, collected with collectstatic.
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', page)
    assert any(asset.endswith(".js") for asset in assets)
    assert [asset for asset in assets if finders.find(asset) is None] == []


@pytest.mark.django_db
def test_the_docs_and_the_document_need_no_token(client):
    assert client.get(f"{BASE}/docs").status_code == 200
    assert client.get(f"{BASE}/openapi.json").status_code == 200


# --- Property-based run -----------------------------------------------------------------------


@pytest.fixture
def auth(db, settings, garage, token_a):
    """A valid token of garage A, which has one car (KNOWN_PLATE) for the plate operations.

    The app is called through its WSGI handler, inside the test's transaction: Django's
    connection-closing signals are switched off meanwhile, as the Django test client does."""
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    PassportFactory(garage=garage, plate=KNOWN_PLATE, odometer_km=50_000)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"Authorization": f"Bearer {token_a[1]}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def check(case, auth):
    response = case.call(headers=auth)
    case.validate_response(response, checks=CHECKS, headers=auth)
    content_type = response.headers.get("content-type", [""])[0]
    where = (case.method, case.formatted_path, response.status_code, content_type)
    assert response.status_code < 500, (*where, response.text)
    if case.method.lower() not in OPERATIONS[case.path]:
        return  # an undocumented method (the run tries TRACE, ...): see test_auth.py for 405s
    if response.status_code == 204:
        return  # no content (a revoked share link)
    assert content_type.startswith("application/json"), where
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"}, where
        assert set(body["error"]) == {"code", "message", "fields"}, where


def operation(method, path):
    """The run for one operation: its own test, so each has its own id in the report."""
    only = schema.include(method=method, path=path)
    assert len(list(only.get_all_operations())) == 1, (method, path)
    return only.parametrize()


SETTINGS = hypothesis_settings(deadline=None, suppress_health_check=list(HealthCheck))


def valid_create_body(generated, salt):
    """A generated create body with a real plate and a valid owner email (the schema cannot say
    what a Dutch plate is, so generated ones are nearly always 400): the rest stays generated,
    so the 201/200 answers and their representation are exercised too. Half stock, half for a
    customer; plates from a small pool, so some are new (201) and some resent (200)."""
    body = generated if isinstance(generated, dict) else {}
    owner = body.get("owner") if isinstance(body.get("owner"), dict) else {}
    number = zlib.crc32(f"{salt}:{json.dumps(body, sort_keys=True, default=str)}".encode())
    email = "garage-a@example.nl" if number % 2 else f"klant{number % 7}@example.nl"
    return {
        **body,
        "plate": plate_for(POOL_FROM + number % 40),
        "owner": {**owner, "email": email},
        "fleet_id": None,
    }


POOL_FROM = 900_000


@operation("POST", "/api/v1/passports")
@SETTINGS
def test_create_answers_as_documented(case, auth):
    check(case, auth)
    case.body = valid_create_body(case.body, "one")
    check(case, auth)


@operation("GET", "/api/v1/passports")
@SETTINGS
def test_list_answers_as_documented(case, auth):
    check(case, auth)


@operation("POST", "/api/v1/passports/bulk")
@SETTINGS
def test_bulk_answers_as_documented(case, auth):
    check(case, auth)
    items = case.body.get("items") if isinstance(case.body, dict) else None
    items = items if isinstance(items, list) else []
    # Generated items made valid, and kept as generated: good and bad items side by side.
    case.body = {
        "items": [
            valid_create_body({}, "first"),
            *(valid_create_body(item, index) for index, item in enumerate(items[:20])),
            *items[:20],
        ]
    }
    check(case, auth)


@operation("GET", "/api/v1/passports/{plate}")
@SETTINGS
def test_detail_answers_as_documented(case, auth):
    check_with_known_plate(case, auth)


@operation("POST", "/api/v1/passports/{plate}/history")
@SETTINGS
def test_history_answers_as_documented(case, auth):
    check_with_known_plate(case, auth)


@operation("POST", "/api/v1/passports/{plate}/share-links")
@SETTINGS
def test_share_link_create_answers_as_documented(case, auth):
    check_with_known_plate(case, auth)


@operation("DELETE", "/api/v1/passports/{plate}/share-links/{token}")
@SETTINGS
def test_share_link_revoke_answers_as_documented(case, auth):
    check_with_known_plate(case, auth)


@operation("POST", "/api/v1/passports/{plate}/checks/{check_id}/photos")
@SETTINGS
def test_check_photos_answer_as_documented(case, auth):
    check(case, auth)
    # The same request on a check of the known car, so the refusals of the files are exercised.
    known = record_check(Passport.objects.get(plate=KNOWN_PLATE))
    case.path_parameters = {**(case.path_parameters or {}), "plate": KNOWN_PLATE}
    case.path_parameters["check_id"] = known.pk
    check(case, auth)


def check_with_known_plate(case, auth):
    check(case, auth)
    if "plate" in (case.path_parameters or {}):
        # The same request on a car the garage has, so the 200/201 answers are exercised too.
        case.path_parameters = {**case.path_parameters, "plate": KNOWN_PLATE}
        check(case, auth)
