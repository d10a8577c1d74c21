"""The app boots from its settings alone: the embedded default and the production shape."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

PROJECT_ROOT = settings.BASE_DIR


def manage(*args, env, timeout=60):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_embedded_default_boots_with_an_empty_environment(tmp_path):
    result = manage("check", env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)})

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_production_settings_pass_the_deploy_checks_without_warnings(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(45)[:60],
        "ALLOWED_HOSTS": "autopaspoort.example",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DJANGO_DEBUG": "false",
        "ALLOWED_HOSTS": "autopaspoort.example",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
