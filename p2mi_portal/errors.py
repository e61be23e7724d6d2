"""The one error type that services raise.

Views, the admin and the API catch :class:`DomainError` and show its message; the
message is already translated (lazily), so it follows the request's language. The API
answers with the error's ``http_status`` (``p2mi_portal.api.api_exception_handler``), the
one place a refusal becomes an HTTP status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class DomainError(Exception):
    """A request the portal refuses for a reason the user can act on."""

    default_code = "invalid"
    http_status = 400

    def __init__(
        self,
        message: Any,
        *,
        code: str | None = None,
        fields: Mapping[str, Sequence[Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.fields = dict(fields or {})


class NotFound(DomainError):
    """Missing, or not the actor's to see: both answer the same."""

    default_code = "not_found"
    http_status = 404


class Forbidden(DomainError):
    """The actor is known but their role may not do this (a partner's trainer staging a worker)."""

    default_code = "forbidden"
    http_status = 403


class Conflict(DomainError):
    """The request is well-formed but the current state forbids it."""

    default_code = "conflict"
    http_status = 409


def invalid(field: str, message: Any, *, code: str = "invalid") -> DomainError:
    """A refusal about one field, shown beside it on a form and under its name in the API."""
    return DomainError(message, code=code, fields={field: [message]})
