"""Run with the production settings (DJANGO_DEBUG=false) in a subprocess of
tests/security/test_headers.py: migrates a scratch SQLite database, collects static files,
requests a sample of pages over HTTPS as anonymous and as a logged-in user, and prints each
response's status, headers and cookies as JSON."""

import json
import sys

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402

HOST = {"HTTP_HOST": "autopaspoort.example"}
PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/password/reset/",
    "/mijn/",
    "/admin/login/",
    "/api/v1/passports",
    "/api/v1/docs",
    "/healthz",
    "/static/css/app.css",
    "/bestaat-niet/",
]


def describe(path, response):
    return {
        "path": path,
        "status": response.status_code,
        "headers": {name.lower(): value for name, value in response.headers.items()},
        "cookies": {
            name: {
                "secure": bool(morsel["secure"]),
                "httponly": bool(morsel["httponly"]),
                "samesite": morsel["samesite"],
            }
            for name, morsel in response.cookies.items()
        },
    }


def main():
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    User.objects.create_user(email="probe@example.nl", password="probe-Secret-123")
    results = []
    anonymous = Client(**HOST)
    for path in PAGES:
        results.append(describe(path, anonymous.get(path, secure=True)))
    plain_http = Client(**HOST).get("/accounts/login/")
    results.append(describe("http:/accounts/login/", plain_http))
    person = Client(**HOST)
    login = person.post(
        "/accounts/login/",
        {
            "username": "probe@example.nl",
            "password": "probe-Secret-123",
        },
        secure=True,
    )
    results.append(describe("POST /accounts/login/", login))
    results.append(describe("/mijn/ (logged in)", person.get("/mijn/", secure=True)))
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
