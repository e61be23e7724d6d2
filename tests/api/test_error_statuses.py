"""Each kind of refusal a service raises answers the API with its own status, in one shape."""

from __future__ import annotations

import pytest
from django.utils import translation

from p2mi_portal.api import api_exception_handler
from p2mi_portal.errors import Conflict, DomainError, Forbidden, NotFound


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (DomainError("Bad input."), 400, "invalid"),
        (Forbidden("Only ministry staff can do this."), 403, "forbidden"),
        (Conflict("Already there."), 409, "conflict"),
    ],
)
def test_a_refusal_answers_with_its_status_and_message(error, status, code):
    response = api_exception_handler(error, {})
    assert response.status_code == status
    assert response.data == {"error": {"code": code, "message": error.message, "fields": {}}}


def test_not_found_says_nothing_of_what_was_asked():
    with translation.override("en"):
        response = api_exception_handler(NotFound("Placement not found."), {})
    assert response.status_code == 404
    assert response.data == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
