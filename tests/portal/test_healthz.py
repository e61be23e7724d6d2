from unittest import mock

import pytest
from django.db import OperationalError, connection

from p2mi_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthy_with_in_process_tasks(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "in-process",
        "cache": "in-process",
    }
    assert "no-cache" in response["Cache-Control"]


def test_unreachable_broker_answers_503(client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.PORTAL_HEALTH_BROKER_TIMEOUT = 0.5
    # Port 9 on loopback: nothing listens there, the connection is refused at once.
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:9/0")
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:9/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "broker": "unavailable",
        "cache": "in-process",
    }


def test_unreachable_database_answers_503(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with mock.patch.object(
        connection, "cursor", side_effect=OperationalError("server closed the connection")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_only_get_is_allowed(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.broker
def test_real_broker_is_reported_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"
