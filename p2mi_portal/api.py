"""What every endpoint of the partner REST API shares.

- Authentication by partner API key (``Authorization: Api-Key <key>``), nothing else:
  a browser session, even a staff one, is not an API credential (``accounts.api_auth``,
  named in ``REST_FRAMEWORK``).
- One error shape for every 4xx: ``{"error": {"code", "message", "fields"}}``, with the
  message in the language of ``Accept-Language`` (Indonesian unless English is asked for).
- Keyset (cursor) pagination, JSON rendered by orjson; throttling per key is ``accounts.api_auth``'s.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from .errors import DomainError, NotFound

API_PREFIX = "/api/"


# --- Language ------------------------------------------------------------------


class ApiLanguageMiddleware:
    """The API speaks the language of ``Accept-Language`` (id or en); pages keep theirs.

    Pages take their language from the address; the API's addresses carry none, so
    ``LocaleMiddleware`` would give every API client Indonesian.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        language = settings.LANGUAGE_CODE
        header = request.headers.get("Accept-Language", "")
        for code, _quality in translation.trans_real.parse_accept_lang_header(header[:200]):
            if code == "*":
                break
            try:
                language = translation.get_supported_language_variant(code)
            except LookupError:
                continue
            break
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


# --- Parsing -----------------------------------------------------------------------

# No request of the API needs more than a few levels; deeper input is refused before a
# serializer (or the renderer, echoing it) walks it.
JSON_MAX_DEPTH = 32


class TooDeep(exceptions.ParseError):
    pass


def _json_depth_exceeds(data: Any, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            if depth > limit:
                return True
            stack.extend((item, depth + 1) for item in value)
    return False


class JsonParser(JSONParser):
    """DRF's JSON parser, refusing nesting deeper than ``JSON_MAX_DEPTH`` (400, not a
    ``RecursionError`` and a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise TooDeep() from None
        if _json_depth_exceeds(data, JSON_MAX_DEPTH):
            raise TooDeep()
        return data


# --- Errors --------------------------------------------------------------------


class Unavailable(DomainError):
    """The portal cannot answer right now; the request itself was fine."""

    default_code = "unavailable"
    http_status = 503


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer."""

    error = ErrorDetailSerializer()


UNAUTHORIZED = OpenApiResponse(ErrorSerializer, description="No key, or a wrong, expired or revoked key.")
NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="Not one of your organisation's objects, or it does not exist."
)
THROTTLED = OpenApiResponse(ErrorSerializer, description="Too many requests; see Retry-After.")
BAD_REQUEST = OpenApiResponse(ErrorSerializer, description="Bad input; `fields` names what to correct.")
CONFLICT = OpenApiResponse(ErrorSerializer, description="The current state forbids this.")


def error_body(code: str, message: Any, fields: dict[str, list[Any]] | None = None) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": str(message),
            "fields": {name: [str(item) for item in items] for name, items in (fields or {}).items()},
        }
    }


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation errors as ``{"interview.starts_at": ["…"]}``."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors" and not prefix:
                name = "_"
            flat.update(_flatten(value, name))
        return flat
    if isinstance(detail, list) and detail and all(isinstance(item, dict) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            flat.update(_flatten(item, f"{prefix}.{index}"))
        return flat
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or "_": [str(item) for item in items]}


_DRF_CODES = {
    exceptions.NotAuthenticated: (
        "not_authenticated",
        lambda: _("Send your API key: Authorization: Api-Key <key>."),
    ),
    exceptions.AuthenticationFailed: ("invalid_key", None),
    exceptions.PermissionDenied: ("not_found", lambda: _("Not found.")),
    exceptions.NotFound: ("not_found", lambda: _("Not found.")),
    exceptions.MethodNotAllowed: ("method_not_allowed", None),
    exceptions.NotAcceptable: ("not_acceptable", None),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", None),
    TooDeep: (
        "malformed_request",
        lambda: _("The request body is nested more than %(depth)d levels deep.") % {"depth": JSON_MAX_DEPTH},
    ),
    exceptions.ParseError: ("malformed_request", lambda: _("The request body is not valid JSON.")),
    exceptions.Throttled: ("throttled", None),
}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every refusal in one shape. A permission refusal answers like a missing object (404)."""
    # Imported here: DRF's views import the settings that name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, NotFound):
        # One body for "missing" and "not yours", whatever the object.
        return Response(error_body("not_found", _("Not found.")), status=404)
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.http_status)
    if isinstance(exc, RequestDataTooBig):
        # Normally refused earlier, from its Content-Length (p2mi_portal.limits).
        message = _("The request is too large: at most %(limit)s.") % {
            "limit": filesizeformat(settings.API_REQUEST_MAX_BYTES)
        }
        return Response(error_body("too_large", message), status=413)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", _("Please correct the marked fields."), _flatten(exc.detail))
        return response
    for kind, (code, message) in _DRF_CODES.items():
        if isinstance(exc, kind):
            if kind is exceptions.PermissionDenied:
                response.status_code = status.HTTP_404_NOT_FOUND
            text = message() if message else exc.detail
            if kind is exceptions.Throttled and exc.wait is not None:
                # The header and the message give the same whole number of seconds.
                wait = max(1, math.ceil(exc.wait))
                response["Retry-After"] = str(wait)
                text = ngettext(
                    "Too many requests. Try again in %(seconds)d second.",
                    "Too many requests. Try again in %(seconds)d seconds.",
                    wait,
                ) % {"seconds": wait}
            response.data = error_body(code, text)
            return response
    response.data = error_body(getattr(exc, "default_code", "error"), getattr(exc, "detail", exc))
    return response


# --- Rendering and pagination ----------------------------------------------------


def _orjson_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Promise):  # a lazily translated string
        return str(value)
    raise TypeError


class OrjsonRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data, default=_orjson_default, option=orjson.OPT_NON_STR_KEYS)


def invalid_cursor() -> DomainError:
    return DomainError(
        _("The cursor is not valid; start again from the first page."),
        code="invalid_cursor",
        fields={"cursor": [_("Use the “next” link of the previous page.")]},
    )


class Cursor:
    """An opaque position in a keyset: the last row's ordering value and id."""

    @staticmethod
    def encode(values: Sequence[Any]) -> str:
        return (
            base64.urlsafe_b64encode(orjson.dumps(list(values), default=_orjson_default)).decode().rstrip("=")
        )

    @staticmethod
    def decode(token: str) -> list[Any]:
        try:
            padded = token + "=" * (-len(token) % 4)
            values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
            raise invalid_cursor() from exc
        if not isinstance(values, list):
            raise invalid_cursor()
        return values


def keyset_page(
    request: Request,
    rows: Any,
    *,
    size: int,
    key: Callable[[Any], Sequence[Any]],
    shape: Callable[[Any], Any],
) -> Response:
    """One page of ``rows`` (already filtered past the cursor and ordered), and the link to the next.

    ``key`` gives the values of a row that the next page's cursor holds; ``shape`` the row's JSON.
    One more row than the page is read, so the last page has no ``next``.
    """
    found = list(rows[: size + 1])
    next_url = None
    if len(found) > size:
        found = found[:size]
        next_url = replace_query_param(request.build_absolute_uri(), "cursor", Cursor.encode(key(found[-1])))
    return Response({"next": next_url, "results": [shape(row) for row in found]})


def iso(value: datetime.datetime | datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def decimal_text(value: Decimal | None) -> str | None:
    """A decimal as JSON text, so no precision is lost on the way."""
    return None if value is None else str(value)


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """The serializer's validated data, or the 400 in the API's error shape."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
