"""Settings come from the environment; each mode is checked in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Variables that would leak the test run's own configuration into the child.
CONFIG_VARIABLES = (
    "DJANGO_ENV",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "EMAIL_URL",
    "CSRF_TRUSTED_ORIGINS",
    "TWO_FACTOR_REQUIRED",
)
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k3y-" + "x7Qp9rT2vW5yZ8bC1dF4gH6jK0mN3sU" * 2,
    "ALLOWED_HOSTS": "portal.kp2mi.go.id",
    "CSRF_TRUSTED_ORIGINS": "https://portal.kp2mi.go.id",
    "DATABASE_URL": "postgres://portal:secret@db.internal:5432/portal",
    "CELERY_BROKER_URL": "redis://cache.internal:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.internal:587",
}


def run_django(code: str, env: dict[str, str] | None = None, *args: str) -> subprocess.CompletedProcess:
    child_env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    child_env.update(env or {})
    child_env["DJANGO_SETTINGS_MODULE"] = "p2mi_portal.settings"
    if args:
        command = [sys.executable, "manage.py", *args]
    else:
        # As a WSGI server would: settings that cannot load must stop the process.
        command = [sys.executable, "-c", f"import django; django.setup(); {code}"]
    return subprocess.run(command, cwd=ROOT, env=child_env, capture_output=True, text=True, timeout=120)


SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'], 'eager': s.CELERY_TASK_ALWAYS_EAGER,"
    "'broker': s.CELERY_BROKER_URL, 'email': s.EMAIL_BACKEND, 'language': s.LANGUAGE_CODE,"
    "'languages': [c for c, _ in s.LANGUAGES], 'tz': s.TIME_ZONE, 'user': s.AUTH_USER_MODEL}))"
)


def show(env: dict[str, str] | None = None) -> dict:
    result = run_django(SHOW, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif((ROOT / ".env").exists(), reason="a local .env file would change the defaults under test")
def test_embedded_defaults_need_nothing():
    shown = show()
    assert shown["debug"] is True
    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["eager"] is True
    assert shown["broker"] == "memory://"
    assert shown["email"] == "django.core.mail.backends.console.EmailBackend"
    assert shown["language"] == "id"
    assert shown["languages"] == ["id", "en"]
    assert shown["tz"] == "Asia/Jakarta"
    assert shown["user"] == "accounts.User"


def test_database_and_broker_urls_switch_to_postgres_and_redis():
    shown = show(
        {"DATABASE_URL": "postgres://u:p@127.0.0.1:5432/x", "CELERY_BROKER_URL": "redis://127.0.0.1:6379/3"}
    )
    assert shown["engine"] == "django.db.backends.postgresql"
    assert shown["eager"] is False
    assert shown["broker"] == "redis://127.0.0.1:6379/3"


def test_production_has_debug_off_and_real_services():
    shown = show(PRODUCTION)
    assert shown["debug"] is False
    assert shown["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert shown["eager"] is False


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_a_secret_or_hosts(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = run_django("print('started')", env)
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert missing in result.stderr


@pytest.mark.parametrize(
    "broker",
    [
        None,
        {"CELERY_BROKER_URL": ""},
        {"CELERY_BROKER_URL": "memory://"},
        {"CELERY_TASK_ALWAYS_EAGER": "true"},
    ],
    ids=["unset", "empty", "in-memory", "eager"],
)
def test_production_refuses_to_start_without_a_broker(broker):
    env = dict(PRODUCTION)
    if broker is None:
        del env["CELERY_BROKER_URL"]
    else:
        env.update(broker)
    result = run_django("print('started')", env)
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr
    assert "CELERY_BROKER_URL is required in production" in result.stderr


@pytest.mark.parametrize(
    "email_url", [None, "consolemail://", "dummymail://", "memorymail://", "filemail:///tmp/mail"]
)
def test_production_refuses_to_start_without_an_smtp_server(email_url):
    env = {k: v for k, v in PRODUCTION.items() if k != "EMAIL_URL"}
    if email_url is not None:
        env["EMAIL_URL"] = email_url
    result = run_django("print('started')", env)
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr
    assert "EMAIL_URL must name an SMTP server in production" in result.stderr


@pytest.mark.parametrize("value", ["false", "0", "off"])
def test_production_refuses_to_start_without_the_second_factor(value):
    result = run_django("print('started')", {**PRODUCTION, "TWO_FACTOR_REQUIRED": value})
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr
    assert "TWO_FACTOR_REQUIRED cannot be turned off in production" in result.stderr


def test_second_factor_is_required_unless_switched_off_locally():
    code = "from django.conf import settings as s; print(s.TWO_FACTOR_REQUIRED)"
    assert run_django(code, {**PRODUCTION, "TWO_FACTOR_REQUIRED": "true"}).stdout.split()[-1] == "True"
    assert run_django(code, PRODUCTION).stdout.split()[-1] == "True"
    assert run_django(code, {"TWO_FACTOR_REQUIRED": "false"}).stdout.split()[-1] == "False"


def test_unknown_environment_name_is_refused():
    result = run_django("print('started')", {"DJANGO_ENV": "staging"})
    assert result.returncode != 0
    assert "DJANGO_ENV" in result.stderr


def test_deploy_check_passes_with_production_settings():
    result = run_django("", PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_on_local_defaults():
    result = run_django("", {}, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG on
