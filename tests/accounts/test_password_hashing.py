"""Passwords are hashed with Argon2; an older PBKDF2 hash is upgraded when its owner logs in.

The suite hashes with MD5 for speed (tests/settings.py); these tests use the app's own list."""

import pytest
from django.contrib.auth.hashers import make_password
from django.test import override_settings
from django.urls import reverse

from config import settings as app_settings
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

app_hashers = override_settings(PASSWORD_HASHERS=app_settings.PASSWORD_HASHERS)


def test_the_app_hashes_new_passwords_with_argon2():
    assert app_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with app_hashers:
        assert make_password("een-lang-wachtwoord").startswith("argon2$")


@app_hashers
def test_a_pbkdf2_hash_becomes_argon2_when_its_owner_logs_in(anonymous):
    user = UserFactory(email="jan@example.nl")
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    response = anonymous.post(
        reverse("accounts:login"), {"username": "jan@example.nl", "password": PASSWORD}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    assert user.check_password(PASSWORD)
