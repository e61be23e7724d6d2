"""Sends a staff or partner session that has passed only the password to the second step."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode

from . import second_factor

# Pages a half signed-in person may still reach: the second step itself, and logging out.
OPEN_URL_NAMES = {
    "second_factor:verify",
    "second_factor:setup",
    "accounts:logout",
    "admin:logout",
    "set_language",
}
# Not pages of a session: the partner API (its own key), health probes, static files.
OPEN_PREFIXES = ("/api/", "/healthz", "/static/")


class SecondFactorMiddleware:
    """Until the session is verified, every page (the admin, staff and partner views) redirects to
    the code step, or to setting up an app when the account has none yet.

    Placed after django-otp's ``OTPMiddleware``, which tells whether the session is verified.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            not request.path_info.startswith(OPEN_PREFIXES)
            and not second_factor.session_is_verified(request)
            and not self._is_open_page(request)
        ):
            return self._to_second_step(request)
        return self.get_response(request)

    @staticmethod
    def _is_open_page(request: HttpRequest) -> bool:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True  # a 404 shows nothing
        return match.view_name in OPEN_URL_NAMES

    @staticmethod
    def _to_second_step(request: HttpRequest) -> HttpResponse:
        name = "verify" if second_factor.has_app(request.user) else "setup"
        url = reverse(f"second_factor:{name}")
        if request.method in ("GET", "HEAD"):
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)
