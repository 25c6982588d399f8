"""Production settings fail loudly; with the documented variables, check --deploy is clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PRODUCTION_ENV = {
    "NEWSNOTES_ENV": "production",
    "SECRET_KEY": "q8Vn3-xY2r_ZkP0wL7sT4uB9mC6dF1hJ5gA8eR3tY7uI0oP2aS4dF6gH8jK",
    "ALLOWED_HOSTS": "newsnotes.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://newsnotes.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for their own process; a deployment would not.
    dropped = {"SECRET_KEY", "NEWSNOTES_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_debug():
    result = _manage("check", env={**PRODUCTION_ENV, "NEWSNOTES_DEBUG": "1"})
    assert result.returncode != 0
    assert "NEWSNOTES_DEBUG must be off" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    env = {**PRODUCTION_ENV, "ALLOWED_HOSTS": ""}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_check_deploy_is_clean_with_the_documented_production_variables():
    result = _manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_secret_key_is_generated_once(tmp_path):
    env = {"NEWSNOTES_VAR_DIR": str(tmp_path), "DATABASE_URL": "sqlite:///:memory:"}
    assert _manage("check", env=env).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert _manage("check", env=env).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key


def test_debug_is_off_unless_asked_for():
    show = (
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
    )
    env = {"DATABASE_URL": "sqlite:///:memory:"}
    assert _manage(*show, env=env).stdout.strip() == "False"
    assert _manage(*show, env={**env, "NEWSNOTES_DEBUG": "1"}).stdout.strip() == "True"
