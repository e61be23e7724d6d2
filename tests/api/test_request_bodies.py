"""Every POST of the partner API refuses a body that is too large, too deep or unannounced
in its error shape (4xx), never with an HTML page or a 500.

The operations come from the published schema, so a new POST endpoint is covered at once.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.api.test_permission_matrix import _schema_operations, world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _post_paths(client) -> list[str]:
    return sorted(path for method, path in _schema_operations(client) if method == "POST")


def _url(path: str, world) -> str:  # noqa: F811 (the fixture's value)
    return (
        path.replace("{application_id}", str(world["application"].pk))
        .replace("{enrolment_id}", str(world["enrolment"].pk))
        .replace("{placement_id}", str(world["placement"].pk))
    )


def _client(world) -> APIClient:  # noqa: F811
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {world['keys']['right_partner']}")
    return client


def _assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]


def test_there_are_post_operations(client):
    assert len(_post_paths(client)) >= 5


def test_a_body_over_the_limit_is_refused_in_the_error_shape(world, client, settings):  # noqa: F811
    settings.API_REQUEST_MAX_BYTES = 64 * 1024
    api = _client(world)
    for path in _post_paths(client):
        body = b'{"note": "' + b"a" * (settings.API_REQUEST_MAX_BYTES + 1) + b'"}'
        response = api.post(_url(path, world), data=body, content_type="application/json")
        _assert_error(response, 413, "too_large")
        assert "64" in response.json()["error"]["message"]


def test_the_default_limit_refuses_three_megabytes(world, client):  # noqa: F811
    api = _client(world)
    path = _post_paths(client)[0]
    body = b'{"note": "' + b"a" * 3_000_000 + b'"}'
    _assert_error(api.post(_url(path, world), data=body, content_type="application/json"), 413, "too_large")


def test_deeply_nested_json_is_refused_in_the_error_shape(world, client):  # noqa: F811
    api = _client(world)
    for path in _post_paths(client):
        url = _url(path, world)
        # Far past Python's recursion limit: once a RecursionError and a 500.
        unclosed = api.post(url, data="[" * 5000, content_type="application/json")
        _assert_error(unclosed, 400, "malformed_request")
        _assert_error(
            api.post(url, data="[" * 5000 + "]" * 5000, content_type="application/json"),
            400,
            "malformed_request",
        )
        # Valid JSON that no request needs: refused before a serializer walks it.
        nested = '{"score": ' + "[" * 40 + "1" + "]" * 40 + "}"
        response = api.post(url, data=nested, content_type="application/json")
        _assert_error(response, 400, "malformed_request")
        assert "32" in response.json()["error"]["message"]


def test_a_body_without_a_length_is_refused_in_the_error_shape(world, client):  # noqa: F811
    api = _client(world)
    for path in _post_paths(client):
        response = api.post(
            _url(path, world),
            data=b"{}",
            content_type="application/json",
            CONTENT_LENGTH="",
            HTTP_TRANSFER_ENCODING="chunked",
        )
        _assert_error(response, 411, "length_required")


def test_messages_follow_accept_language(world, client, settings):  # noqa: F811
    settings.API_REQUEST_MAX_BYTES = 1024
    path = _post_paths(client)[0]
    response = _client(world).post(
        _url(path, world),
        data=b"[" + b"1," * 1000 + b"1]",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="id",
    )
    _assert_error(response, 413, "too_large")
    assert "terlalu besar" in response.json()["error"]["message"]
