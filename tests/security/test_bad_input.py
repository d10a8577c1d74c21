"""Bad input against every POST view of the URLconf (issue 9, item 11).

Hypothesis posts odd values to each form: unicode and control characters, NUL bytes, 10k+
strings, plates in odd spellings, malformed emails, impossible dates, money as NaN or 1e30,
bigint overflows, missing and repeated fields. Then fixed odd bodies: larger than
DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, JSON and broken multipart to a form view.

Whatever comes in: never a 500; a refusal is a 4xx or the form again with its errors beside the
fields; a refusal writes nothing (every app table's fingerprint is unchanged); what a valid post
writes is whole. Each example runs in a savepoint that is rolled back, so one example's writes
never change what the next one sees.
"""

import json
import time
from urllib.parse import urlencode

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests import figures
from tests.security.bad_input_helpers import (
    ERROR_MARKUP,
    FORMS,
    ROUTES,
    assert_new_rows_complete,
    build_world,
    changed_tables,
    client_as,
    fingerprint,
    form_data,
    post_accepting_routes,
    rolled_back,
    url_of,
    url_route_names,
)

pytestmark = pytest.mark.faults

FUZZ = hypothesis_settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples every run: a failure here is reproducible
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


SLOW_SECONDS = 3


@pytest.fixture
def world(garage):
    return build_world(garage)


@pytest.fixture
def server_errors():
    """Server errors seen by one test, added to the figures (also when there are none)."""
    seen = []
    yield seen
    figures.add("bad_input.server_errors", len(seen))


def send(world, name, post):
    """Post as the route's actor (after the form's preparing request); the response, and the
    app tables before and after. Rolled back afterwards."""
    form = FORMS[name]

    def run():
        client = client_as(world, ROUTES[name].actor)
        url = url_of(world, name)
        if form.prepare is not None:
            url = form.prepare(client, url)
            figures.add("bad_input.requests")
        before = fingerprint()
        started = time.monotonic()
        response = post(client, url)
        took = time.monotonic() - started
        figures.add("bad_input.requests")
        # Odd input must not make a request expensive (a cheap way to tie up a worker).
        assert took < SLOW_SECONDS, (
            f"{name} took {took:.1f}s for {response.wsgi_request.body[:200]!r}"
        )
        return response, before, fingerprint()

    return rolled_back(run)


def judge(name, response, before, after, server_errors, sent=""):
    """The rules every answer to bad input keeps."""
    form = FORMS[name]
    status = response.status_code
    where = f"{name} answered {status} to {sent!r:.300}"
    if status >= 500:
        server_errors.append(where)
        pytest.fail(f"Server error: {where}")
    changed = changed_tables(before, after)
    if 300 <= status < 400:
        assert_new_rows_complete(before, after)  # accepted: what it wrote is whole
        return
    if status >= 400:
        assert not changed, f"{where}, yet wrote to {changed}"
        return
    page = response.content.decode(errors="replace")
    if ERROR_MARKUP in page:
        assert not changed, f"{where} with errors, yet wrote to {changed}"
    elif form.kind == "action":
        assert_new_rows_complete(before, after)  # a result page
    elif form.neutral is not None and form.neutral(response):
        assert not changed, f"{where} (a step), yet wrote to {changed}"
    else:
        pytest.fail(f"{where}: neither a redirect nor the form with errors beside its fields")


# --- Coverage ---------------------------------------------------------------------------------


def test_every_route_is_known():
    """A new URL needs an entry in ROUTES (who uses it, which objects its URL takes), so the
    POST discovery below can reach it."""
    names = set(url_route_names())
    assert sorted(names - set(ROUTES)) == [], "routes missing from bad_input_helpers.ROUTES"
    assert sorted(set(ROUTES) - names) == [], "ROUTES names routes the URLconf no longer has"


@pytest.mark.django_db
def test_every_post_view_is_covered(world):
    """Every view that takes a POST has its fields in FORMS, so it is fuzzed below and
    CSRF-checked in test_csrf.py. A new POST view fails here, by name."""
    accepting = post_accepting_routes(world)
    figures.add("bad_input.requests", len(ROUTES))
    uncovered = sorted(set(accepting) - set(FORMS))
    assert uncovered == [], (
        f"POST views without bad-input coverage (add them to FORMS): {uncovered}"
    )
    stale = sorted(set(FORMS) - set(accepting))
    assert stale == [], f"FORMS entries whose view no longer takes a POST: {stale}"
    figures.add("bad_input.forms", len(accepting))


# --- Hypothesis -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(FORMS))
def test_odd_field_values_are_refused_cleanly_or_saved_whole(world, name, server_errors):
    form = FORMS[name]

    @FUZZ
    @given(data=form_data(form, world), encoded=st.booleans())
    def example(data, encoded):
        def post(client, url):
            if encoded:
                body = urlencode(data, doseq=True)
                return client.post(url, body, content_type="application/x-www-form-urlencoded")
            return client.post(url, data)

        response, before, after = send(world, name, post)
        judge(name, response, before, after, server_errors, data)

    example()


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(FORMS))
def test_the_valid_post_is_accepted_and_whole(world, name, server_errors):
    """The baseline the fuzzing starts from: each form's valid values are taken (a redirect or
    a result page, never an error), so the odd values above are tried against a working form."""
    valid = {k: v for k, v in FORMS[name].valid(world).items() if v is not None}
    response, before, after = send(world, name, lambda client, url: client.post(url, valid))
    judge(name, response, before, after, server_errors, valid)
    assert ERROR_MARKUP not in response.content.decode(errors="replace"), response.content


# --- Odd bodies -------------------------------------------------------------------------------

TOO_BIG = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024
ODD_BODIES = {
    "urlencoded_too_big": ("application/x-www-form-urlencoded", b"a=" + b"x" * TOO_BIG),
    "multipart_field_too_big": ("multipart", {"a": "x" * TOO_BIG}),
    "too_many_fields": (
        "application/x-www-form-urlencoded",
        "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 10)),
    ),
    "json": ("application/json", json.dumps({"plate": "GJ-55-55", "email": "a@b.nl"})),
    "multipart_garbage": ("multipart/form-data; boundary=xyz", b"--xyz\r\n\x00garbage\xff\r\n"),
    "multipart_without_boundary": ("multipart/form-data", b"garbage"),
    "multipart_bad_header": (
        "multipart/form-data; boundary=xyz",
        b'--xyz\r\nContent-Disposition: form-data; name="\x00\r\n\r\nv\r\n--xyz--\r\n',
    ),
    "text_plain": ("text/plain", "hello"),
    "binary": ("application/octet-stream", bytes(range(256)) * 10),
}
# Bodies a form view must refuse outright, with a 400.
MUST_REFUSE = {"urlencoded_too_big", "multipart_field_too_big", "too_many_fields"}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(FORMS))
def test_oversized_and_odd_bodies_are_refused(world, name, server_errors):
    for case, (content_type, body) in ODD_BODIES.items():

        def post(client, url, content_type=content_type, body=body):
            if content_type == "multipart":
                return client.post(url, body)
            return client.post(url, body, content_type=content_type)

        response, before, after = send(world, name, post)
        judge(name, response, before, after, server_errors, case)
        if case in MUST_REFUSE and FORMS[name].kind == "form":
            assert response.status_code == 400, (name, case, response.status_code)
