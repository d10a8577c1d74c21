"""With the production settings every response carries the security headers, the cookies are
Secure and HttpOnly, and the Content-Security-Policy allows no inline script or style."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from tests import figures


@pytest.fixture(scope="module")
def responses(tmp_path_factory):
    base = tmp_path_factory.mktemp("production")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(base),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(45)[:60],
        "ALLOWED_HOSTS": "autopaspoort.example",
        "DATABASE_URL": f"sqlite:///{base}/db.sqlite3",
        "STATIC_ROOT": str(base / "static"),
        "LOG_LEVEL": "ERROR",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.security.production_probe"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return {response["path"]: response for response in json.loads(result.stdout)}


def csp_directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def test_every_response_has_the_security_headers(responses):
    https = {path: r for path, r in responses.items() if not path.startswith("http:")}
    assert {r["status"] for r in https.values()} >= {200, 302, 401, 404}
    for path, response in https.items():
        headers = response["headers"]
        assert headers.get("strict-transport-security", "").startswith("max-age=31536000"), path
        assert "includeSubDomains" in headers["strict-transport-security"], path
        assert headers.get("x-content-type-options") == "nosniff", path
        assert headers.get("referrer-policy") == "same-origin", path
        assert headers.get("cross-origin-opener-policy") == "same-origin", path
        # WhiteNoise answers static files before the frame and CSP middleware: a policy on a
        # CSS file would govern nothing. Every page, API answer and error page carries them.
        if not path.startswith("/static/"):
            assert headers.get("x-frame-options") == "DENY", path
            assert "content-security-policy" in headers, path
    figures.add("headers.responses_checked", len(https))


def test_the_content_security_policy_allows_only_this_sites_scripts(responses):
    for path, response in responses.items():
        if "content-security-policy" not in response["headers"]:
            continue
        policy = csp_directives(response["headers"]["content-security-policy"])
        assert policy["script-src"] == ["'self'"], path
        assert policy["style-src"] == ["'self'"], path
        assert policy["default-src"] == ["'self'"], path
        assert policy["frame-ancestors"] == ["'none'"], path
        assert policy["object-src"] == ["'none'"], path
        assert policy["form-action"] == ["'self'"], path
        assert "'unsafe-inline'" not in response["headers"]["content-security-policy"]
        assert "'unsafe-eval'" not in response["headers"]["content-security-policy"]


def test_plain_http_is_redirected_to_https(responses):
    response = responses["http:/accounts/login/"]
    assert response["status"] == 301
    assert response["headers"]["location"] == "https://autopaspoort.example/accounts/login/"


def test_cookies_are_secure_and_out_of_reach_of_scripts(responses):
    login = responses["POST /accounts/login/"]
    assert login["status"] == 302
    cookies = {**responses["/accounts/login/"]["cookies"], **login["cookies"]}
    assert {"sessionid", "csrftoken"} <= set(cookies)
    for name, cookie in cookies.items():
        assert cookie["secure"], name
        assert cookie["httponly"], name
        assert cookie["samesite"] == "Lax", name
    assert responses["/mijn/ (logged in)"]["status"] == 200
