"""The production process set (web, worker, beat) starts with one command against PostgreSQL and Redis."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from p2mi_portal.celery import app as celery_app
from tests.portal.test_settings import CONFIG_VARIABLES, PRODUCTION

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _get_health(port: int) -> tuple[int, dict] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except OSError:
        return None


@pytest.mark.postgres
@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_honcho_starts_web_worker_and_beat():
    database_url = _database_url()
    port = _free_port()
    bin_dir = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    env.update(PRODUCTION)
    env.update(
        {
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "ALLOWED_HOSTS": "127.0.0.1",
            "BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "1",
            "CELERY_CONCURRENCY": "1",
            "PATH": f"{bin_dir}:{env.get('PATH', '')}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    process = subprocess.Popen(
        [f"{bin_dir}/honcho", "start"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    health, replies = None, []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            health = _get_health(port)
            if health and health[0] == 200:
                break
            time.sleep(0.5)
        deadline = time.monotonic() + 60
        while not replies and time.monotonic() < deadline and process.poll() is None:
            replies = celery_app.control.ping(timeout=1.0)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
    assert health == (200, {"status": "ok", "database": "ok", "broker": "ok", "cache": "in-process"}), output[
        -3000:
    ]
    assert replies, "the Celery worker did not answer a ping"
    assert "beat: Starting" in output, output[-3000:]
    assert "DatabaseScheduler" in output
