"""Production settings refuse to start half-configured, and pass Django's deployment check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPLETE = {
    "DJANGO_SETTINGS_MODULE": "civic.settings.production",
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-settings-test-" + "q" * 20,
    "DJANGO_ALLOWED_HOSTS": "pb.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://pb.example.org",
    "CIVIC_CENSUS_HMAC_KEY": "h" * 40,
    "CIVIC_SITE_URL": "https://pb.example.org",
    "EMAIL_URL": "smtp+tls://user:password@smtp.example.org:587",
    "DATABASE_URL": "sqlite:///:memory:",
}


def _manage(*arguments: str, **changes: str | None) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CIVIC_", "EMAIL_", "DATABASE_", "REDIS_"))
    }
    env.update(COMPLETE)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_complete_production_settings_pass_the_deployment_check():
    done = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"CIVIC_CENSUS_HMAC_KEY": ""}, "CIVIC_CENSUS_HMAC_KEY must be set"),
        ({"CIVIC_CENSUS_HMAC_KEY": "short"}, "CIVIC_CENSUS_HMAC_KEY must be set"),
        ({"CIVIC_SITE_URL": None}, "CIVIC_SITE_URL"),
        ({"EMAIL_URL": None}, "EMAIL_URL"),
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY"),
    ],
)
def test_production_refuses_to_start_half_configured(changes, complaint):
    done = _manage("check", **changes)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and complaint in done.stderr
