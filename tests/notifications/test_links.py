"""notifications is a leaf: the links its emails carry are registered by the apps that own them
(notifications.links), and it imports no app of the domain."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from notifications import links
from notifications.models import Notification

ROOT = Path(settings.BASE_DIR)
ALLOWED_APPS = {"core", "notifications"}


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the test; the app's registrations come back afterwards."""
    monkeypatch.setattr(links, "_links", {})


def test_a_registered_link_is_built_for_the_account_at_rendering(registry):
    links.register("some_kind", "magic_url", lambda user: f"https://example.nl/{user}")

    assert links.carries_link("some_kind")
    assert links.build("some_kind", "jan") == {"magic_url": "https://example.nl/jan"}
    assert links.build("some_kind", None) == {}  # no account, no link
    assert not links.carries_link("other_kind")
    assert links.build("other_kind", "jan") == {}


def test_a_kind_carries_one_link(registry):
    def builder(user):
        return "https://example.nl/"

    links.register("some_kind", "magic_url", builder)
    links.register("some_kind", "magic_url", builder)  # the same again: nothing changes

    with pytest.raises(ImproperlyConfigured):
        links.register("some_kind", "other_url", builder)


def test_accounts_registers_the_password_and_activation_links():
    Kind = Notification.Kind
    names = {kind: links._links[kind][0] for kind in links._links}

    assert names == {
        Kind.PASSWORD_RESET: "password_set_url",
        Kind.STAFF_INVITE: "password_set_url",
        Kind.FLEET_INVITE: "password_set_url",
        Kind.OWNER_ACTIVATION: "activation_url",
    }


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def test_notifications_imports_only_core_django_and_third_party_packages():
    project_apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    upward = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / "notifications").rglob("*.py"))
        for module in imported_modules(path)
        if module.split(".")[0] in project_apps - ALLOWED_APPS
    ]

    assert project_apps > ALLOWED_APPS  # the walk sees the apps
    assert upward == []
