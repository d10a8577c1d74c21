"""Small helpers shared by the test modules."""

import re
from urllib.parse import urlsplit

from django.test import Client
from django.urls import reverse

PASSWORD_SET_LINK = re.compile(r"https?://[^\s\"'<>]+/accounts/password/set/[^\s\"'<>]+/")


def set_password_path(message) -> str:
    """The path of the one set-password link in a delivered email (taken from the email, never
    built by the test)."""
    links = set(PASSWORD_SET_LINK.findall(message.body))
    assert len(links) == 1, message.body
    return urlsplit(links.pop()).path


def queued_work(callbacks) -> list:
    """The on_commit callbacks that do work (enqueue tasks, emails), leaving out forgetting
    cached entries (the dashboard's version, memberships, the navigation: core.shared_cache),
    which many changes do."""
    from autopaspoort.selectors import dashboard_summary_forget
    from core.shared_cache import _delete

    forgetting = {dashboard_summary_forget, _delete}
    return [callback for callback in callbacks if getattr(callback, "func", None) not in forgetting]


def can_log_in(email: str, password: str) -> bool:
    """Log in through the login page, as a person does (django-axes counts failures there)."""
    client = Client()
    client.post(reverse("accounts:login"), {"username": email, "password": password})
    return "_auth_user_id" in client.session
