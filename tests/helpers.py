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
    """The on_commit callbacks that do work (enqueue tasks, emails), leaving out forgetting the
    dashboard's cached totals, which every change of a garage's cars does."""
    from autopaspoort.selectors import dashboard_summary_forget

    return [
        callback
        for callback in callbacks
        if getattr(callback, "func", None) is not dashboard_summary_forget
    ]


def can_log_in(email: str, password: str) -> bool:
    """Log in through the login page, as a person does (django-axes counts failures there)."""
    client = Client()
    client.post(reverse("accounts:login"), {"username": email, "password": password})
    return "_auth_user_id" in client.session
