"""Keyset pagination: a page is "the next `size` rows after the last key the reader saw".

The 200th page costs what the first does (an indexed `WHERE key < last` instead of an OFFSET),
and a row added while someone pages never shifts the rows they have not seen yet.
"""

from django.http import QueryDict


def keyset_page(queryset, *, after=None, size: int, key: str = "-id") -> tuple[list, object]:
    """One page of `queryset` ordered by `key` (one field; `-` for descending), starting after
    the key value `after` (the previous page's cursor, already parsed: ids through
    `core.ids.parse_id` or a form's bounded field). Returns the rows and the cursor of the next
    page (the last row's key), or None on the last page. One query: it reads one row more than
    it shows to know whether there is more."""
    field = key.removeprefix("-")
    queryset = queryset.order_by(key)
    if after:
        lookup = "lt" if key.startswith("-") else "gt"
        queryset = queryset.filter(**{f"{field}__{lookup}": after})
    rows = list(queryset[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return rows, getattr(rows[-1], field) if has_more else None


def next_page_query(params: QueryDict, cursor) -> str | None:
    """The query string of the next page: the same filters with `after` set to the cursor."""
    if not cursor:
        return None
    params = params.copy()
    params["after"] = cursor
    return params.urlencode()
