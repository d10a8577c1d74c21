"""Ids from URLs and query strings: ASCII digits that fit the database's 64-bit keys.

Python's `int()` and `str.isdigit()` accept digits of every script ('²', '٣') and numbers of any
size; the first raises on '²', the second overflows SQLite's integers. Every id a person can
type reaches the ORM through here (the `<id:...>` path converter or `parse_id`), so garbage is a
404, never a server error.
"""

import re

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value: str | None) -> int | None:
    """The id in `value`, or None when it is not one."""
    if not value or not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


class IdConverter:
    """`<id:name>` in URL patterns: like `<int:...>`, bounded to what a key can hold."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)  # Django answers 404: no pattern matched
        return number

    def to_url(self, value) -> str:
        return str(int(value))
