"""Ids and cursors nobody meant (issue 14, item 14): an id too large for a 64-bit key, digits
of other scripts ('²', '٣') in a cursor or an id, and a negative or zero id. Every route of the
URLconf that takes an id, with each id replaced, and every page with a cursor or id in its query
string: a 404 or the page without the cursor, never a server error. Run on PostgreSQL in CI and
on SQLite by `make test` without services (where the overflow was a 500)."""

import pytest
from django.urls import reverse

from core.ids import MAX_ID, parse_id
from tests import figures
from tests.security.bad_input_helpers import ROUTES, build_world, client_as

pytestmark = [pytest.mark.django_db, pytest.mark.faults]

SENTINEL = 987654321
BAD_IDS = [str(MAX_ID + 1), "99999999999999999999999", "²", "٣", "0"]


@pytest.fixture
def world(garage):
    return build_world(garage)


def id_routes(world):
    for name, route in sorted(ROUTES.items()):
        kwargs = route.kwargs(world)
        for key in kwargs:
            if key.endswith("_id"):
                yield name, route, kwargs, key


def test_every_id_in_a_path_too_large_or_in_other_digits_is_a_404(world):
    checked = 0
    for name, route, kwargs, key in id_routes(world):
        url = reverse(name, kwargs={**kwargs, key: SENTINEL})
        client = client_as(world, route.actor)
        for bad in BAD_IDS:
            response = client.get(url.replace(str(SENTINEL), bad))
            assert response.status_code == 404, (name, key, bad, response.status_code)
            checked += 1
    assert checked > 50
    figures.add("bad_input.bad_ids", checked)


@pytest.mark.parametrize(
    ("name", "parameter"),
    [
        ("promotions:list", "after"),
        ("reminders:garage_list", "after"),
        ("garage:dashboard", "after"),
        ("fleet:dashboard", "after"),
        ("autopaspoort:check_create", "corrects"),
    ],
)
def test_a_cursor_or_id_in_the_query_string_never_causes_a_server_error(world, name, parameter):
    url = reverse(name, kwargs=ROUTES[name].kwargs(world))
    client = client_as(world, ROUTES[name].actor)
    for bad in [*BAD_IDS, "-1", "1e9", " 7", "7 "]:
        response = client.get(url, {parameter: bad})
        assert response.status_code in (200, 404), (name, bad, response.status_code)
        figures.add("bad_input.bad_ids")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1", 1),
        ("42", 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("²", None),
        ("٣", None),
        ("0", None),
        ("", None),
        (None, None),
        ("-3", None),
        ("+3", None),
        ("3 ", None),
    ],
)
def test_parse_id_takes_ascii_digits_that_fit_a_key(typed, expected):
    assert parse_id(typed) == expected
