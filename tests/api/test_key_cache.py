"""A verified key is remembered between requests, and forgotten the moment it is saved."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.conftest import key_client

LIST_URL = "/api/v1/programs/"


def test_a_used_key_costs_no_query_on_the_next_request(api_key, program):
    client = key_client(api_key)
    assert client.get(LIST_URL).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST_URL).status_code == 200
    assert not any("accounts_partnerapikey" in query["sql"] for query in queries.captured_queries)


def test_revoking_a_key_after_use_refuses_the_next_request(api_key, api_key_obj, program):
    client = key_client(api_key)
    assert client.get(LIST_URL).status_code == 200
    api_key_obj.revoked = True
    api_key_obj.save()
    assert client.get(LIST_URL).status_code == 401


def test_expiring_a_key_after_use_refuses_the_next_request(api_key, api_key_obj, program):
    client = key_client(api_key)
    assert client.get(LIST_URL).status_code == 200
    api_key_obj.expiry_date = timezone.now() - datetime.timedelta(seconds=1)
    api_key_obj.save()
    assert client.get(LIST_URL).status_code == 401


def test_deactivating_the_user_after_use_refuses_the_next_request(api_key, partner_user, program):
    client = key_client(api_key)
    assert client.get(LIST_URL).status_code == 200
    partner_user.is_active = False
    partner_user.save()
    assert client.get(LIST_URL).status_code == 401


def test_a_wrong_secret_with_a_remembered_prefix_is_refused(api_key, program):
    assert key_client(api_key).get(LIST_URL).status_code == 200
    prefix, _dot, secret = api_key.partition(".")
    forged = f"{prefix}.{secret[::-1]}"
    assert key_client(forged).get(LIST_URL).status_code == 401
