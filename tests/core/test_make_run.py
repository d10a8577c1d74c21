"""`make run PORT=...` serves on that port and the emails' links (SITE_URL) follow it."""

import os
import shutil
import subprocess

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make_run_commands(*args, **env):
    """The commands `make run` would run (`make -n`: printed, not run)."""
    result = subprocess.run(
        ["make", "-n", "run", *args],
        cwd=settings.BASE_DIR,
        env={k: v for k, v in os.environ.items() if k != "SITE_URL"} | env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if "manage.py" in line]


def test_make_run_serves_on_the_port_given_and_links_follow_it():
    commands = make_run_commands("PORT=8300")

    runserver = next(line for line in commands if "runserver" in line)
    assert runserver.endswith("runserver 127.0.0.1:8300")
    for step in ("migrate", "seed_demo", "runserver"):
        line = next(line for line in commands if f" {step}" in line)
        assert line.startswith("SITE_URL=http://127.0.0.1:8300 "), line


def test_make_run_defaults_to_port_8000():
    runserver = next(line for line in make_run_commands() if "runserver" in line)

    assert (
        runserver
        == "SITE_URL=http://127.0.0.1:8000 .venv/bin/python manage.py runserver 127.0.0.1:8000"
    )


def test_a_site_url_of_ones_own_wins():
    runserver = next(
        line
        for line in make_run_commands("PORT=8300", SITE_URL="https://garage.example")
        if "runserver" in line
    )

    assert runserver.startswith("SITE_URL=https://garage.example ")
    assert runserver.endswith("127.0.0.1:8300")
