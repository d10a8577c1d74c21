"""Time a login (POST to the login page through the Django test client) with each password
hasher: the median of 20 logins, on a throw-away test database. Figures go in bench/notes.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python -m bench.login_time
"""

import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import (  # noqa: E402
    setup_databases,
    setup_test_environment,
    teardown_databases,
)
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from config import settings as app_settings  # noqa: E402

LOGINS = 20
PASSWORD = "een-lang-demo-wachtwoord"


def median_login_ms(hasher: str) -> float:
    """Median wall time of a login whose stored hash was made by `hasher` (the first hasher
    of the settings in force, so no login rehashes)."""
    email = f"{hasher}@example.com"
    user = User.objects.create_user(email=email, password=None)
    times = []
    for _ in range(LOGINS):
        # Reset the hash each time: a login would otherwise upgrade PBKDF2 to Argon2.
        user.password = make_password(PASSWORD, hasher=hasher)
        user.save(update_fields=["password"])
        client = Client()
        started = time.perf_counter()
        response = client.post(reverse("accounts:login"), {"username": email, "password": PASSWORD})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302, response.status_code
    return statistics.median(times)


def main():
    setup_test_environment()
    config = setup_databases(verbosity=0, interactive=False)
    try:
        before = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # Django's default first
        for hasher, hashers in (
            ("pbkdf2_sha256", before),
            ("argon2", app_settings.PASSWORD_HASHERS),
        ):
            with override_settings(PASSWORD_HASHERS=hashers):
                print(f"{hasher}: median login {median_login_ms(hasher):.0f} ms ({LOGINS} logins)")
    finally:
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main()
