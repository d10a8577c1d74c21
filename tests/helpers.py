"""Small helpers shared by the test modules."""

import re
from urllib.parse import urlsplit

from django.test import Client

PASSWORD_SET_LINK = re.compile(r"https?://[^\s\"'<>]+/accounts/password/set/[^\s\"'<>]+/")


def set_password_path(message) -> str:
    """The path of the one set-password link in a delivered email (taken from the email, never
    built by the test)."""
    links = set(PASSWORD_SET_LINK.findall(message.body))
    assert len(links) == 1, message.body
    return urlsplit(links.pop()).path


def can_log_in(email: str, password: str) -> bool:
    return Client().login(username=email, password=password)
