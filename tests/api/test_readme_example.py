"""The README's API example works as printed: its POST body creates a passport."""

import json
import re

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def readme_post_body() -> dict:
    readme = (settings.BASE_DIR / "README.md").read_text()
    body = re.search(r"curl -X POST .*?-d '(\{.*?\})'", readme, re.DOTALL)
    assert body, "the README has no curl POST with a JSON body"
    return json.loads(body.group(1))


def test_the_readme_post_body_creates_a_passport(api):
    body = readme_post_body()

    created = api.post("/passports", body)
    read_back = api.get(f"/passports/{body['plate']}")

    assert created.status_code == 201, created.json()
    assert created.json()["owner"] == {"email": body["owner"]["email"]}
    assert read_back.status_code == 200
