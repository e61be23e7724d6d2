"""Who is asking, and how often: the client address behind proxies, and the limits on the
sign-in forms (log-in, registration, password reset, new verification link).

Counters live in Django's cache (locmem locally, Redis in production, so every worker
counts the same tries). A cache that fails lets the request through: the limits protect
the portal, they must not take it down.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)


# --- The client's address ------------------------------------------------------------------


def _address(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _from_trusted_proxy(remote: str) -> bool:
    if not settings.TRUSTED_PROXY_ADDRESSES:
        return True
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False) for network in settings.TRUSTED_PROXY_ADDRESSES
    )


def client_address(request: HttpRequest) -> str | None:
    """The address the request came from, as far as the portal's own proxies vouch for it.

    Each of the ``TRUSTED_PROXY_COUNT`` proxies appends the address it was reached from to
    ``X-Forwarded-For``, so the client is the entry that many places from the right; what
    stands left of it was written by the client and is ignored. Without trusted proxies, or
    when the request did not come from one (``TRUSTED_PROXY_ADDRESSES``), it is ``REMOTE_ADDR``.
    """
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0 or remote is None or not _from_trusted_proxy(remote):
        return remote
    hops = [hop for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    return _address(hops[-count]) or remote


# --- Counting tries -------------------------------------------------------------------------

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)s?\s*$")
_UNIT_SECONDS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
_UNIT_SECONDS |= {"d": 86400, "day": 86400}


def rate_parse(rate: str) -> tuple[int, int]:
    """``"20/hour"`` → (20, 3600); ``"5/15m"`` → (5, 900)."""
    match = _RATE.match(rate or "")
    if not match:
        raise ValueError(f"not a rate: {rate!r} (write e.g. 20/hour)")
    number, multiple, unit = match.groups()
    return int(number), int(multiple or 1) * _UNIT_SECONDS[unit]


def _key(scope: str, value: str) -> str:
    # Hashed: no e-mail or address is written to the cache as it is.
    digest = hashlib.sha256(f"{scope}:{value}".encode()).hexdigest()[:40]
    return f"auth-limit:{digest}"


def counter_add(scope: str, value: str, *, window: int) -> int:
    """Count one more try in the window that began with the first; the count so far."""
    key = _key(scope, value)
    try:
        cache.add(key, 0, timeout=window)
        try:
            return cache.incr(key)
        except ValueError:  # it expired between the two calls
            cache.set(key, 1, timeout=window)
            return 1
    except Exception as exc:  # the cache is down: let the request through
        logger.warning("sign-in limit not counted, cache unavailable (%s)", type(exc).__name__)
        return 0


def counter_get(scope: str, value: str) -> int:
    try:
        return int(cache.get(_key(scope, value)) or 0)
    except Exception as exc:
        logger.warning("sign-in limit not read, cache unavailable (%s)", type(exc).__name__)
        return 0


def over_limit(scope: str, value: str, rate: str) -> bool:
    """Count a try; whether it is one too many."""
    limit, window = rate_parse(rate)
    return counter_add(scope, value, window=window) > limit


# --- Failed log-ins per account, and the browsers that are the owner's ---------------------

DEVICE_COOKIE = "p2mi_device"
_DEVICE_SALT = "accounts.throttling.device"
DEVICE_COOKIE_MAX_AGE = 180 * 24 * 3600


def _email_key(email: str) -> str:
    return (email or "").strip().lower()


def login_failure_count(email: str) -> int:
    return counter_add("login-account", _email_key(email), window=settings.LOGIN_ACCOUNT_WINDOW_MINUTES * 60)


def _device_value(email: str) -> str:
    return hashlib.sha256(_email_key(email).encode()).hexdigest()


def device_known(request: HttpRequest, email: str) -> bool:
    """Whether this browser logged in to (or set a new password of) the account before."""
    value = request.get_signed_cookie(
        DEVICE_COOKIE, default=None, salt=_DEVICE_SALT, max_age=DEVICE_COOKIE_MAX_AGE
    )
    return value is not None and value == _device_value(email)


def device_remember(response: HttpResponse, email: str) -> None:
    response.set_signed_cookie(
        DEVICE_COOKIE,
        _device_value(email),
        salt=_DEVICE_SALT,
        max_age=DEVICE_COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def account_closed_to(request: HttpRequest, email: str) -> bool:
    """Too many wrong passwords for the account lately, and this browser is not one of its owner's."""
    if not email:
        return False
    failures = counter_get("login-account", _email_key(email))
    return failures >= settings.LOGIN_ACCOUNT_FAILURE_LIMIT and not device_known(request, email)


# --- The limits on the forms ----------------------------------------------------------------


def too_many_tries(request: HttpRequest, *, form: str, email: str = "") -> bool:
    """Count this try of ``form`` for the client address and the e-mail address; over either limit?"""
    address = client_address(request) or "unknown"
    over = over_limit(f"{form}:address", address, settings.AUTH_RATE_LIMIT)
    if email:
        over = over_limit(f"{form}:email", _email_key(email), settings.AUTH_EMAIL_RATE_LIMIT) or over
    return over


def too_many_response(request: HttpRequest, *, reason: str = "rate") -> HttpResponse:
    return render(request, "accounts/too_many.html", {"reason": reason}, status=429)


def _posted_email(request: HttpRequest, field: str) -> str:
    try:
        value = request.POST.get(field, "")
    except Exception:  # an unreadable body: the form will say so
        return ""
    return value[:254] if isinstance(value, str) else ""


# The forms that are limited: the view's name → (which limit, the e-mail field).
LIMITED_FORMS = {
    "accounts:login": ("login", "username"),
    "admin:login": ("login", "username"),
    "accounts:register": ("register", "email"),
    "accounts:register_sent": ("resend", "email"),
    "accounts:password_reset": ("reset", "email"),
}


def sign_in_refusal(request: HttpRequest, *, form: str, email: str) -> HttpResponse | None:
    """The 429 answer when this try of ``form`` is one too many, else ``None`` (the try is counted).

    For log-in, the e-mail limit is the count of wrong passwords for the account, and it shuts
    out only browsers its owner never used.
    """
    if form == "login":
        if too_many_tries(request, form=form):
            return too_many_response(request)
        if account_closed_to(request, email):
            return too_many_response(request, reason="account")
        return None
    if too_many_tries(request, form=form, email=email):
        return too_many_response(request)
    return None


def device_mark(request: HttpRequest, email: str) -> None:
    """Remember this browser for the account on the way out (a log-in, a new password)."""
    request.sign_in_device = email


class SignInLimitMiddleware:
    """Applies the limits to the POSTs of the sign-in forms, and remembers the owner's browsers.

    A middleware, so that the views themselves (and a log-in done in several steps) stay as
    they are: whatever view logs a person in marks the browser (``user_logged_in``).
    """

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        email = getattr(request, "sign_in_device", None)
        if email and response.status_code < 400:
            device_remember(response, email)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if request.method != "POST" or request.resolver_match is None:
            return None
        limited = LIMITED_FORMS.get(request.resolver_match.view_name)
        if limited is None:
            return None
        form, field = limited
        return sign_in_refusal(request, form=form, email=_posted_email(request, field))
