"""Bad input against every operation of the GMS API (issue 9, item 11), with a valid token.

tests/api/test_schema.py runs schemathesis on what the OpenAPI document allows; this suite sends
what it does not: bodies of the right shape with odd values (NUL bytes, 10k strings, plates in
odd spellings, bad emails, impossible dates, NaN and 1e30 as money, bigint overflows), JSON of
any shape, broken JSON, bodies over DATA_UPLOAD_MAX_MEMORY_SIZE and other content types.

Always: no 500; JSON; an error in the contract's shape with a message; a refusal writes nothing;
what an accepted request writes is whole. Every example runs in a rolled-back savepoint.
"""

import base64
import json
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from api.site import api
from tests import figures
from tests.api.conftest import BASE, clear_rate_keys
from tests.security.bad_input_helpers import (
    assert_new_rows_complete,
    build_world,
    changed_tables,
    date_values,
    email_values,
    fingerprint,
    fresh_ip,
    int_values,
    money_values,
    nasty_text,
    plate_values,
    postcode_values,
    rolled_back,
)

pytestmark = pytest.mark.faults

# The token's last use is stamped on a request by design: not a write of the request's input.
NOT_INPUT = ("garage.ApiToken",)
FUZZ = hypothesis_settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.fixture
def world(garage, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    w = build_world(garage)
    clear_rate_keys(w.token)
    yield w
    clear_rate_keys(w.token)


@pytest.fixture
def server_errors():
    seen = []
    yield seen
    figures.add("bad_input.server_errors", len(seen))


# --- Values ------------------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**63, -(2**63) - 1, 10**30, -1, 0]),
    st.floats(),  # NaN and Infinity too: Python's json writes them, a sloppy GMS might as well
    nasty_text,
)
any_json = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


def odd(typed):
    """A field's value: of its own kind but odd, any JSON, or left out (None -> dropped)."""
    return st.one_of(typed, typed, json_scalars, any_json, st.just(MISSING))


MISSING = object()


def shaped(**fields):
    """A JSON object with these fields, some left out, sometimes with a field too many."""
    return st.fixed_dictionaries(fields, optional={"unexpected": any_json}).map(
        lambda body: {key: value for key, value in body.items() if value is not MISSING}
    )


owner_bodies = st.one_of(
    shaped(
        email=odd(email_values),
        name=odd(nasty_text),
        street=odd(nasty_text),
        house_number=odd(nasty_text),
        postcode=odd(postcode_values),
        city=odd(nasty_text),
        phone=odd(nasty_text),
    ),
    any_json,
)
create_bodies = shaped(
    plate=odd(plate_values),
    owner=owner_bodies,
    odometer_km=odd(st.integers() | int_values),
    fleet_id=odd(st.integers()),
)
history_bodies = shaped(
    date=odd(date_values),
    odometer_km=odd(st.integers() | int_values),
    kind=odd(st.sampled_from(["maintenance", "repair", "apk", "tyres", "other", "MAINTENANCE"])),
    description=odd(nasty_text),
    cost_eur=odd(money_values | st.floats() | st.integers()),
    external_id=odd(nasty_text),
)
moments = st.sampled_from(
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "2024-02-30T00:00:00",
        "2024-01-01",
        "2024-01-01T25:00:00Z",
        "now",
        "-1",
        "1e30",
    ]
)


def cursor_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


cursors = st.one_of(
    nasty_text,
    st.sampled_from(
        [
            cursor_of("2024-01-01T00:00:00+00:00|99999999999999999999"),
            cursor_of(f"2024-01-01T00:00:00+00:00|{2**63}"),
            cursor_of("2024-01-01T00:00:00+00:00|-1"),
            cursor_of("0001-01-01T00:00:00+14:00|1"),
            cursor_of("9999-12-31T23:59:59-14:00|1"),
            cursor_of("|"),
            cursor_of("a|b|c"),
            "====",
            "%%%",
        ]
    ),
    st.text(max_size=30).map(cursor_of),
)
list_queries = st.fixed_dictionaries(
    {},
    optional={
        "state": st.sampled_from(["stock", "customer", "", "STOCK", "x"]) | nasty_text,
        "updated_since": moments | date_values | nasty_text,
        "cursor": cursors,
    },
)


def body_request(path_strategy, body_strategy):
    return st.tuples(path_strategy, body_strategy, st.booleans())


known_or_odd_plate = st.one_of(st.just("KNOWN"), plate_values, nasty_text)

# Every operation of the OpenAPI document: how to call it with odd input. A new operation fails
# test_every_api_operation_is_covered until it is here.
OPERATIONS = {
    ("post", "/api/v1/passports"): st.tuples(st.just("/passports"), create_bodies | any_json),
    ("post", "/api/v1/passports/bulk"): st.tuples(
        st.just("/passports/bulk"),
        st.one_of(
            st.fixed_dictionaries({"items": st.lists(create_bodies | any_json, max_size=6)}),
            any_json,
        ),
    ),
    ("post", "/api/v1/passports/{plate}/history"): st.tuples(
        known_or_odd_plate.map(lambda p: f"/passports/{{{p}}}/history"),
        history_bodies | any_json,
    ),
    ("post", "/api/v1/passports/{plate}/share-links"): st.tuples(
        known_or_odd_plate.map(lambda p: f"/passports/{{{p}}}/share-links"),
        st.fixed_dictionaries(
            {},
            optional={
                "days": int_values | st.integers(),
                "show_costs": any_json,
                "include_photos": any_json,
            },
        )
        | any_json,
    ),
    # TOKEN: garage A's open link of its stock car (a 204, the rest 404s).
    ("delete", "/api/v1/passports/{plate}/share-links/{token}"): st.tuples(
        st.tuples(known_or_odd_plate, st.just("TOKEN") | nasty_text).map(
            lambda pt: f"/passports/{{{pt[0]}}}/share-links/{{{pt[1]}}}"
        ),
        st.just(None),
    ),
    # CHECK: garage A's check of that car. A JSON body is refused (the files come as
    # multipart; tests/photos/test_api.py sends bad files).
    ("post", "/api/v1/passports/{plate}/checks/{check_id}/photos"): st.tuples(
        st.tuples(known_or_odd_plate, st.just("CHECK") | int_values | nasty_text).map(
            lambda pc: f"/passports/{{{pc[0]}}}/checks/{{{pc[1]}}}/photos"
        ),
        any_json,
    ),
    ("get", "/api/v1/passports"): st.tuples(st.just("/passports"), list_queries),
    ("get", "/api/v1/passports/{plate}"): st.tuples(
        known_or_odd_plate.map(lambda p: f"/passports/{{{p}}}"), st.just(None)
    ),
}


# --- Sending and judging -----------------------------------------------------------------------


def api_client():
    from django.test import Client

    return Client(raise_request_exception=False, REMOTE_ADDR=fresh_ip())


def path_for(world, template: str) -> str:
    """`{KNOWN}` is garage A's car; any other `{...}` is sent as given, quoted."""

    def fill(part):
        if part.startswith("{") and part.endswith("}"):
            value = part[1:-1]
            if value == "TOKEN":
                return world.stock_share.token
            if value == "CHECK":
                return str(world.check.pk)
            return world.stock.plate if value == "KNOWN" else quote(value, safe="")
        return part

    return "/".join(fill(part) for part in template.split("/"))


def call(world, method, path, *, body=None, query=None, raw=None, content_type=None):
    """One request with garage A's token, in a rolled-back savepoint: the response and the
    app tables before and after."""
    headers = {"Authorization": f"Bearer {world.raw_token}"}

    def run():
        client = api_client()
        url = BASE + path
        before = fingerprint(exclude=NOT_INPUT)
        if method == "get":
            response = client.get(url + ("?" + urlencode(query) if query else ""), headers=headers)
        elif method == "delete":
            response = client.delete(url, headers=headers)
        else:
            data = raw if raw is not None else json.dumps(body)
            response = client.post(
                url,
                data,
                content_type="application/json" if content_type is None else content_type,
                headers=headers,
            )
        figures.add("bad_input.requests")
        return response, before, fingerprint(exclude=NOT_INPUT)

    return rolled_back(run)


def judge(response, before, after, server_errors, sent, *, partial_ok=False):
    status = response.status_code
    where = f"{response.wsgi_request.method} {response.wsgi_request.path} -> {status}"
    where += f" for {sent!r:.300}"
    if status >= 500:
        server_errors.append(where)
        pytest.fail(f"Server error: {where}: {response.content[:500]!r}")
    if status == 204:  # a revoked share link: no body
        return None
    assert response["Content-Type"].startswith("application/json"), where
    body = response.json()
    if status >= 400:
        assert set(body) == {"error"}, where
        assert set(body["error"]) == {"code", "message", "fields"}, where
        assert isinstance(body["error"]["message"], str), where
        assert body["error"]["message"].strip(), where
        changed = changed_tables(before, after)
        assert not changed, f"{where}, yet wrote to {changed}"
    else:
        assert_new_rows_complete(before, after)
        if partial_ok:  # bulk: each item stands alone, a refused item says why
            for result in body["results"]:
                if result["error"] is not None:
                    assert result["error"]["message"].strip(), where
    return body


# --- Coverage ----------------------------------------------------------------------------------


def test_every_api_operation_is_covered():
    schema = api.get_openapi_schema()
    operations = {(method, path) for path, methods in schema["paths"].items() for method in methods}
    uncovered = sorted(operations - set(OPERATIONS))
    assert uncovered == [], f"API operations without bad-input coverage: {uncovered}"
    assert sorted(set(OPERATIONS) - operations) == [], "OPERATIONS names gone operations"
    figures.add("bad_input.api_operations", len(operations))


# --- Hypothesis --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("operation", sorted(OPERATIONS), ids="{0[0]} {0[1]}".format)
def test_odd_input_gets_a_json_error_and_writes_nothing(world, operation, server_errors):
    method, _path = operation

    @FUZZ
    @given(request=OPERATIONS[operation])
    def example(request):
        template, payload = request
        path = path_for(world, template)
        if method == "get":
            response, before, after = call(world, "get", path, query=payload)
        elif method == "delete":
            response, before, after = call(world, "delete", path)
        else:
            response, before, after = call(world, "post", path, body=payload)
        judge(response, before, after, server_errors, (path, payload), partial_ok="bulk" in path)

    example()


# --- Odd bodies --------------------------------------------------------------------------------

TOO_BIG = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024
ODD_BODIES = {
    # name: (content type, raw body, expected status)
    "too_big": ("application/json", b'{"plate": "' + b"x" * TOO_BIG + b'"}', 413),
    "form_encoded": ("application/x-www-form-urlencoded", "plate=GJ-55-55", 415),
    "multipart_garbage": ("multipart/form-data; boundary=xyz", b"--xyz\r\n\x00\xff", 415),
    "text_plain": ("text/plain", '{"plate": "GJ-55-55"}', 415),
    "no_content_type": ("", '{"plate": "GJ-55-55"}', 415),
    "broken_json": ("application/json", '{"plate": "GJ-55-55", ', 400),
    "not_utf8": ("application/json", b'{"plate": "\xff\xfe"}', 400),
    "nul_json": ("application/json", b"\x00", 400),
    "empty": ("application/json", b"", 400),
    "deep_json": ("application/json", "[" * 100_000 + "]" * 100_000, 400),
}
POST_PATHS = ["/passports", "/passports/bulk", "/passports/{KNOWN}/history"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", POST_PATHS)
@pytest.mark.parametrize("case", sorted(ODD_BODIES))
def test_odd_bodies_are_refused_with_json(world, path, case, server_errors):
    content_type, raw, expected = ODD_BODIES[case]
    response, before, after = call(
        world, "post", path_for(world, path), raw=raw, content_type=content_type
    )
    judge(response, before, after, server_errors, case)
    assert response.status_code == expected, (case, response.status_code, response.content)
