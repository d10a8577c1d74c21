import pytest
from django.http import QueryDict

from accounts.models import User
from core.pagination import keyset_page, next_page_query
from tests.accounts.factories import UserFactory


@pytest.fixture
def users(db):
    return [UserFactory(email=f"user{n}@example.nl") for n in range(5)]


def walk(queryset, *, key, size):
    pages, after = [], None
    while True:
        rows, after = keyset_page(queryset, after=after, size=size, key=key)
        pages.append([row.email for row in rows])
        if after is None:
            return pages


def test_descending_pages_walk_every_row_once_newest_first(users):
    emails = [user.email for user in reversed(users)]
    assert walk(User.objects.filter(pk__in=[u.pk for u in users]), key="-id", size=2) == [
        emails[0:2],
        emails[2:4],
        emails[4:5],
    ]


def test_ascending_pages_follow_the_key_and_the_cursor_is_the_last_key(users):
    queryset = User.objects.filter(pk__in=[u.pk for u in users])
    rows, cursor = keyset_page(queryset, size=3, key="email")
    assert [row.email for row in rows] == [f"user{n}@example.nl" for n in range(3)]
    assert cursor == "user2@example.nl"
    rows, cursor = keyset_page(queryset, after=cursor, size=3, key="email")
    assert ([row.email for row in rows], cursor) == (["user3@example.nl", "user4@example.nl"], None)


def test_an_exactly_full_last_page_has_no_next_cursor(users, django_assert_num_queries):
    queryset = User.objects.filter(pk__in=[u.pk for u in users])
    with django_assert_num_queries(1):
        rows, cursor = keyset_page(queryset, size=5, key="-id")
    assert (len(rows), cursor) == (5, None)


def test_the_next_page_query_keeps_the_filters_and_replaces_the_cursor():
    params = QueryDict("q=GJ55&state=stock&after=40")
    assert next_page_query(params, 17) == "q=GJ55&state=stock&after=17"
    assert next_page_query(params, None) is None
    assert params["after"] == "40"  # the request's own query string is left alone
