"""CSRF (issue 9, item 10): every view that takes a POST refuses one without a valid CSRF token,
whoever is logged in, and writes nothing. The views are found from the URLconf, as in
test_bad_input.py, so a new form is checked without anyone adding it here.

The GMS API authenticates with a bearer token, never with the session cookie, so it needs no
CSRF token; what must hold instead is that a browser's session cookie alone cannot use it.
"""

import json

import pytest
from django.conf import settings
from django.urls import reverse

from api.site import api
from tests import figures
from tests.accounts.factories import PASSWORD
from tests.api.conftest import BASE, clear_rate_keys
from tests.security.bad_input_helpers import (
    FORMS,
    ROUTES,
    build_world,
    changed_tables,
    client_as,
    fingerprint,
    post_accepting_routes,
    rolled_back,
    url_of,
)

pytestmark = pytest.mark.faults

# Views that take a POST without a CSRF token, on purpose, and why.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail programs post without a token; the signed token in
    # the URL is the authorisation and can only stop mail to its own address.
    "notifications:unsubscribe",
}
LOGIN_URL = reverse("accounts:login")


@pytest.fixture
def world(garage, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    w = build_world(garage)
    clear_rate_keys(w.token)
    yield w
    clear_rate_keys(w.token)


def csrf_cookie(client) -> str:
    """Visit a page with a form, as a browser would: the client now holds a CSRF cookie. (The
    password-reset page: the login page redirects whoever is logged in already.)"""
    client.get(reverse("accounts:password_reset"))
    return client.cookies[settings.CSRF_COOKIE_NAME].value


# Without any token; with the cookie but no token in the form; with the cookie and a token
# that does not belong to it.
VARIANTS = ("no_cookie", "cookie_only", "wrong_token")


def post_without_token(world, name, variant):
    """POST the form's valid values to `name` as its actor, with CSRF checks on; the response
    and whether any app table changed. Rolled back."""
    form = FORMS[name]

    def run():
        client = client_as(world, ROUTES[name].actor, enforce_csrf_checks=True)
        url = url_of(world, name)
        if form.prepare is not None:
            url = form.prepare(client, url)
        data = {k: v for k, v in form.valid(world).items() if v is not None}
        if variant != "no_cookie":
            csrf_cookie(client)
        if variant == "wrong_token":
            data["csrfmiddlewaretoken"] = "x" * 64
        before = fingerprint()
        response = client.post(url, data)
        return response, changed_tables(before, fingerprint())

    return rolled_back(run)


@pytest.mark.django_db
def test_every_post_view_refuses_a_post_without_a_csrf_token(world):
    accepting = post_accepting_routes(world)
    assert set(accepting) == set(FORMS), "see test_bad_input.test_every_post_view_is_covered"
    problems = []
    for name in accepting:
        for variant in VARIANTS:
            response, changed = post_without_token(world, name, variant)
            if name in CSRF_EXEMPT:
                assert response.status_code != 403, name  # the exemption is real and known
                continue
            if response.status_code != 403 or changed:
                problems.append((name, variant, response.status_code, changed))
    assert problems == [], f"POST views that took a POST without a CSRF token: {problems}"
    assert set(accepting) >= CSRF_EXEMPT, "CSRF_EXEMPT names views that no longer take a POST"
    figures.add("csrf.post_views", len(accepting))


@pytest.mark.django_db
def test_login_needs_the_csrf_token(world):
    client = client_as(world, "anon", enforce_csrf_checks=True)
    credentials = {"username": world.owner.email, "password": PASSWORD}

    refused = client.post(LOGIN_URL, credentials)

    assert refused.status_code == 403
    assert "_auth_user_id" not in client.session
    # The same login with the token works: the 403 was the CSRF check, not the credentials.
    token = csrf_cookie(client)
    accepted = client.post(LOGIN_URL, {**credentials, "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302, accepted.content
    assert client.session["_auth_user_id"] == str(world.owner.pk)


@pytest.mark.django_db
def test_logout_needs_the_csrf_token(world):
    client = client_as(world, "owner", enforce_csrf_checks=True)
    logout_url = reverse("accounts:logout")

    assert client.post(logout_url).status_code == 403

    assert client.session["_auth_user_id"] == str(world.owner.pk)  # still logged in
    assert client.get(reverse("portal:home")).status_code == 200


# --- The API -----------------------------------------------------------------------------------


def unsafe_api_operations(world):
    """Every unsafe operation of the OpenAPI document, with a valid body and a real path."""
    schema = api.get_openapi_schema()
    valid = {
        "/api/v1/passports": {"plate": "GJ-55-55", "owner": {"email": world.garage.email}},
        "/api/v1/passports/bulk": {
            "items": [{"plate": "GJ-55-56", "owner": {"email": world.garage.email}}]
        },
        "/api/v1/passports/{plate}/history": {
            "date": "2024-01-02",
            "odometer_km": world.stock.odometer_km,
            "kind": "repair",
            "description": "Remmen",
        },
        "/api/v1/passports/{plate}/share-links": {"days": 30, "show_costs": False},
        "/api/v1/passports/{plate}/share-links/{token}": {},
        # Multipart in real use; without a token it never gets as far as reading the files.
        "/api/v1/passports/{plate}/checks/{check_id}/photos": {"kind": "sides"},
    }
    for path, methods in schema["paths"].items():
        for method in methods:
            if method in ("get", "head", "options"):
                continue
            assert path in valid, f"add a valid body for {method.upper()} {path}"
            real = path.replace("{plate}", world.stock.plate).replace(
                "{check_id}", str(world.check.pk)
            )
            yield method, real.replace("{token}", world.stock_share.token), valid[path]


@pytest.mark.django_db
def test_a_session_cookie_alone_cannot_use_the_api(world):
    """A logged-in garage admin's browser (session cookie, even with a CSRF cookie) cannot
    write through the API: only a bearer token authenticates there."""
    client = client_as(world, "admin", enforce_csrf_checks=True)
    token = csrf_cookie(client)
    operations = list(unsafe_api_operations(world))
    assert operations
    for method, path, body in operations:
        for headers in ({}, {"X-CSRFToken": token}):

            def run(method=method, path=path, body=body, headers=headers):
                before = fingerprint(exclude=("garage.ApiToken",))
                response = client.generic(
                    method.upper(),
                    path,
                    json.dumps(body),
                    content_type="application/json",
                    headers=headers,
                )
                return response, changed_tables(before, fingerprint(exclude=("garage.ApiToken",)))

            response, changed = rolled_back(run)
            assert response.status_code == 401, (method, path, response.content)
            assert response.json()["error"]["code"] == "unauthorized"
            assert changed == [], (method, path, changed)


@pytest.mark.django_db
def test_the_api_with_a_bearer_token_needs_no_csrf_token(world):
    """Exempt by design: the token is the proof the request is the GMS's, not a browser's."""
    client = client_as(world, "anon", enforce_csrf_checks=True)
    response = client.post(
        f"{BASE}/passports",
        json.dumps({"plate": "GJ-55-55", "owner": {"email": world.garage.email}}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {world.raw_token}"},
    )
    assert response.status_code == 201, response.content
