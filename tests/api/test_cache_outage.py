"""With Redis down or unreachable the partner API still answers, and /healthz says so.

The cache is configured exactly as ``CACHE_URL=redis://…`` configures it, pointed at a port
where nothing listens (the connection is refused at once), or at the test run's real Redis.
"""

from __future__ import annotations

import logging
import os

import environ
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.api_auth import PartnerKeyThrottle
from p2mi_portal.cache import cache_config, cache_pause_reset
from tests.accounts.factories import PartnerUserFactory
from tests.api.conftest import key_client

LIST_URL = "/api/v1/programs/"
CLOSED_PORT = "redis://127.0.0.1:1/0"


def _use_cache(settings, url: str) -> None:
    settings.CACHES = {"default": cache_config(environ.Env.cache_url_config(url), timeout=0.5)}


@pytest.fixture
def cache_down(settings):
    cache_pause_reset()
    _use_cache(settings, CLOSED_PORT)
    yield
    cache_pause_reset()


@pytest.fixture
def real_redis(settings):
    """The test run's own Redis (the broker's database)."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        pytest.skip("needs CELERY_BROKER_URL=redis://…")
    cache_pause_reset()
    _use_cache(settings, url)
    # Not cleared: that database may hold the broker's queues. Each test's key is new.
    yield
    cache_pause_reset()


def test_redis_from_cache_url_fails_safe_with_short_timeouts(settings):
    config = cache_config(environ.Env.cache_url_config("redis://cache.internal:6379/1"), timeout=0.5)
    assert config["BACKEND"] == "p2mi_portal.cache.FailSafeRedisCache"
    assert config["OPTIONS"]["socket_connect_timeout"] == 0.5
    assert config["OPTIONS"]["socket_timeout"] == 0.5
    # The local default (a cache in the process's memory) is left as it is.
    assert cache_config({"BACKEND": "x.LocMemCache"}, timeout=0.5) == {"BACKEND": "x.LocMemCache"}


def test_partner_api_answers_while_the_cache_is_unreachable(cache_down, api_key, program, caplog):
    client = key_client(api_key)
    cache_pause_reset()  # the fixtures' writes met the outage first
    with caplog.at_level(logging.WARNING, logger="p2mi_portal.cache"):
        for _request in range(3):
            response = client.get(LIST_URL)
            assert response.status_code == 200, response.content[:300]
            assert [row["code"] for row in response.json()["results"]] == [program.code]
    # One warning for the outage, not one per request; nothing about the key in it.
    warnings = [record for record in caplog.records if record.name == "p2mi_portal.cache"]
    assert len(warnings) == 1
    assert api_key.split(".")[0] not in warnings[0].getMessage()


def test_a_paused_cache_is_not_asked_again(cache_down, api_key, program, caplog):
    client = key_client(api_key)
    assert client.get(LIST_URL).status_code == 200
    # Paused: the key is read from the database on every request, Redis is left alone.
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST_URL).status_code == 200
    assert any("accounts_partnerapikey" in query["sql"] for query in queries.captured_queries)


def test_the_key_is_still_checked_while_the_cache_is_unreachable(
    cache_down, api_key, api_key_obj, other_partner_key, program
):
    assert key_client(api_key + "x").get(LIST_URL).status_code == 401
    assert key_client(other_partner_key).get(LIST_URL).json()["results"] == []
    # Revoking a key while the cache is down works, and refuses it at once.
    api_key_obj.revoked = True
    api_key_obj.save()
    response = key_client(api_key).get(LIST_URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_key"


def test_throttling_lets_requests_through_while_the_cache_is_unreachable(
    cache_down, api_key, program, monkeypatch
):
    monkeypatch.setattr(PartnerKeyThrottle, "THROTTLE_RATES", {"partner_key": "1/minute"})
    client = key_client(api_key)
    assert [client.get(LIST_URL).status_code for _request in range(3)] == [200, 200, 200]


def test_writes_of_staff_do_not_fail_while_the_cache_is_unreachable(cache_down, api_key_obj, partner_user):
    # Saving a key or its user forgets the cached key (accounts.apps): a miss, not an error.
    partner_user.full_name = "HR RUSAL baru"
    partner_user.save()
    PartnerUserFactory(partner=partner_user.partner)
    api_key_obj.name = "HRIS RUSAL 2"
    api_key_obj.save()
    assert cache.add("any", 1) is False
    with pytest.raises(ValueError):
        cache.incr("any")


def test_healthz_reports_the_cache_down_but_stays_in_service(cache_down, client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "broker": "in-process",
        "cache": "unavailable",
    }


def test_with_redis_up_keys_are_remembered_and_healthz_says_ok(
    real_redis, api_key, program, client, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    api = key_client(api_key)
    assert api.get(LIST_URL).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert api.get(LIST_URL).status_code == 200
    assert not any("accounts_partnerapikey" in query["sql"] for query in queries.captured_queries)
    health = client.get("/healthz").json()
    assert health["cache"] == "ok"
    assert health["status"] == "ok"


def test_pages_that_use_the_cache_work_while_it_is_unreachable(cache_down, client, program):
    """Sign-in (sessions and lockouts live in the database) and the staff dashboard, which asks
    the cache whether a count is under way, answer as usual."""
    from django.urls import reverse
    from django.utils import translation

    from tests.accounts.factories import TEST_PASSWORD, StaffFactory

    staff = StaffFactory(is_superuser=True)
    with translation.override("en"):
        login_url = reverse("accounts:login")
        dashboard_url = reverse("dashboard:program", args=[program.pk])
    response = client.post(login_url, {"username": staff.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.get(dashboard_url).status_code == 200
    response = client.post(dashboard_url)
    assert response.status_code == 302  # "could not be started; try again later", not an error
