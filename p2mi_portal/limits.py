"""How large a request body may be, decided before any of it is read.

Django reads a body only as far as its ``Content-Length``, and only when a view (or the CSRF
check) asks for it. So a body announced larger than the address accepts is refused here with
413 before a byte of it is read, written to a temporary file or parsed; a body sent without a
length (``Transfer-Encoding: chunked``), which Django would silently read as empty, is
refused with 411. Limits: ``REQUEST_MAX_BYTES_BY_VIEW`` for the pages that take a larger
upload (the staff import), ``API_REQUEST_MAX_BYTES`` for the partner API (JSON only),
``REQUEST_MAX_BYTES`` for every other page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .api import error_body

API_PREFIX = "/api/"


def request_max_bytes(request: HttpRequest) -> int:
    """The largest body the address of ``request`` accepts."""
    if request.path_info.startswith(API_PREFIX):
        return settings.API_REQUEST_MAX_BYTES
    match = request.resolver_match
    view_name = match.view_name if match is not None else ""
    return settings.REQUEST_MAX_BYTES_BY_VIEW.get(view_name, settings.REQUEST_MAX_BYTES)


def _announced_length(request: HttpRequest) -> int | None:
    """``Content-Length`` as a number (None when absent or not a number: Django reads nothing)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def _is_chunked(request: HttpRequest) -> bool:
    return "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()


class RequestBodyLimitMiddleware:
    """413 for a body larger than the address accepts, 411 for one without a length.

    In ``process_view``, so the view's address decides the limit, and before
    ``CsrfViewMiddleware``, whose check is the first thing that reads a form's body.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        length = _announced_length(request)
        if length is None and _is_chunked(request):
            return self._refuse(request, status=411)
        limit = request_max_bytes(request)
        if length is not None and length > limit:
            return self._refuse(request, status=413, limit=limit)
        return None

    def _refuse(self, request: HttpRequest, *, status: int, limit: int = 0) -> HttpResponse:
        if status == 411:
            code, title = "length_required", _("The request could not be read")
            message = _("Send the request with a Content-Length header.")
        else:
            code, title = "too_large", _("Too large to send")
            message = _("The request is too large: at most %(limit)s.") % {"limit": filesizeformat(limit)}
        if request.path_info.startswith(API_PREFIX):
            return JsonResponse(error_body(code, message), status=status)
        return render(request, "413.html", {"title": title, "message": message}, status=status)
