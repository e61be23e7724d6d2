"""The second factor of staff and partner users: who needs one, enrolment, codes, reset.

After the password, a staff or partner user counts as signed in only once the session is
verified with a code from an authenticator app (TOTP) or one of their one-time recovery codes
(django-otp keeps the verified device in the session). ``SecondFactorMiddleware`` sends an
unverified session here; the admin site checks :func:`session_is_verified` as well. Candidates
sign in with a password only. ``settings.TWO_FACTOR_REQUIRED`` switches this off (never in
production).
"""

from __future__ import annotations

import math
import re
from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from p2mi_portal.errors import Conflict, DomainError, Forbidden

from .models import Role, User

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# Who may take away someone else's second factor in the admin (django-otp's own permissions).
RESET_PERMISSIONS = ("otp_totp.delete_totpdevice", "otp_static.delete_staticdevice")
_APP_CODE = re.compile(r"\d{6}")


# --- Who needs it ----------------------------------------------------------------------------


def is_eligible(user) -> bool:
    """Whether this signed-in user signs in with a second factor: staff and partner users."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role in (Role.STAFF, Role.PARTNER) or user.is_staff or user.is_superuser


def is_required_for(user) -> bool:
    """Whether this signed-in user must pass the second step now (not when switched off)."""
    return bool(settings.TWO_FACTOR_REQUIRED) and is_eligible(user)


def session_is_verified(request: HttpRequest) -> bool:
    """Whether the request's user may act as signed in: verified, or no second step needed."""
    user = request.user
    if not is_required_for(user):
        return True
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def has_app(user: User) -> bool:
    """Whether the user has confirmed an authenticator app."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def landing_url_name(user: User) -> str:
    """Where a signed-in staff or partner user goes when no page was asked for."""
    return "admin:index" if user.is_staff else "programs:list"


# --- Enrolment -------------------------------------------------------------------------------


def enrolment_device(*, user: User) -> TOTPDevice:
    """The not yet confirmed app key shown for enrolment (made once, shown until confirmed).

    Refused once an app is confirmed: a second one is added only after a reset by staff, so a
    stolen password alone cannot enrol another phone.
    """
    if has_app(user):
        raise Conflict(_("An authenticator app is already set up for this account."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def enrolment_qr_svg(device: TOTPDevice) -> str:
    """The app key as an inline SVG QR code (no request leaves the page)."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(scale=5, border=2, title=_("QR code of the key for your authenticator app"))


def enrolment_secret(device: TOTPDevice) -> str:
    """The app key as text, in groups of four, for apps that cannot scan."""
    text = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def enrolment_confirm(*, request: HttpRequest, code: str) -> list[str]:
    """Confirms the app with a code from it, verifies the session and makes recovery codes.

    Returns the new recovery codes, to be shown once.
    """
    user = request.user
    code = _normalise(code)
    # A wrong code is counted (throttling) even though the request is refused: no atomic
    # block around the refusal.
    with transaction.atomic():
        if TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).exists():
            raise Conflict(_("An authenticator app is already set up for this account."))
        device = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        )
        if device is None:
            raise Conflict(_("The set-up page has expired. Open it again and scan the new QR code."))
        _check_allowed(device)
        accepted = bool(_APP_CODE.fullmatch(code)) and device.verify_token(code)
        if accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            codes = _recovery_codes_make(user)
    if not accepted:
        raise DomainError(_("That code is not right. Enter the 6 digits your app shows now."))
    _session_verify(request, device)
    return codes


# --- The second step -------------------------------------------------------------------------


def code_verify(*, request: HttpRequest, code: str) -> bool:
    """Verifies the session with a code from the app or an unused recovery code.

    Returns whether a recovery code was used (it is gone afterwards). Wrong codes are refused
    and each makes the next try wait longer (django-otp's throttling, per device); a code from
    the app is accepted once only.
    """
    device, recovery = _check_code(user=request.user, code=code)
    _session_verify(request, device)
    return recovery


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def recovery_codes_show(*, user: User, code: str) -> list[str]:
    """The user's unused recovery codes, after a code from their app."""
    _check_code(user=user, code=code, app_only=True)
    return list(
        StaticToken.objects.filter(device__user=user, device__confirmed=True)
        .order_by("pk")
        .values_list("token", flat=True)
    )


def recovery_codes_renew(*, user: User, code: str) -> list[str]:
    """New recovery codes after a code from the app; the old ones stop working."""
    _check_code(user=user, code=code, app_only=True)
    with transaction.atomic():
        return _recovery_codes_make(user)


# --- Reset by staff --------------------------------------------------------------------------


def can_reset(actor: User) -> bool:
    return bool(actor.is_ministry_staff and actor.has_perms(RESET_PERMISSIONS))


@transaction.atomic
def second_factor_reset(*, actor: User, users) -> int:
    """Removes the app and recovery codes of these users; each sets up a new app at next sign-in.

    Returns how many of them had a second factor.
    """
    if not can_reset(actor):
        raise Forbidden(_("You do not have permission to reset a second factor."))
    ids = [user.pk for user in users]
    had = set(TOTPDevice.objects.filter(user_id__in=ids).values_list("user_id", flat=True))
    had |= set(StaticDevice.objects.filter(user_id__in=ids).values_list("user_id", flat=True))
    TOTPDevice.objects.filter(user_id__in=ids).delete()
    StaticDevice.objects.filter(user_id__in=ids).delete()
    return len(had)


# --- Helpers ---------------------------------------------------------------------------------


def _normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", str(code or "")).lower()[:32]


def _check_allowed(device) -> None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return
    if info and info.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS and info.get("locked_until"):
        seconds = max(1, math.ceil((info["locked_until"] - timezone.now()).total_seconds()))
        raise DomainError(
            _("Too many wrong codes. Wait %(seconds)s seconds, then try again.") % {"seconds": seconds},
            code="throttled",
        )
    raise DomainError(_("This code cannot be checked now. Try again later."), code="throttled")


def _check_code(*, user: User, code: str, app_only: bool = False):
    """The device that accepts ``code``, or a refusal (the wrong try is counted all the same)."""
    code = _normalise(code)
    wrong = _("That code is not right. Enter the 6 digits your app shows now, or a recovery code.")
    if _APP_CODE.fullmatch(code):
        model, recovery = TOTPDevice, False
    elif app_only:
        raise DomainError(_("Enter the 6-digit code your authenticator app shows now."))
    else:
        model, recovery = StaticDevice, True
    with transaction.atomic():
        # Locked: two requests with the same code cannot both use it.
        devices = list(model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk"))
        if not code or not devices:
            raise DomainError(wrong)
        for device in devices:
            _check_allowed(device)
        match = next((device for device in devices if device.verify_token(code)), None)
    if match is None:
        raise DomainError(wrong)
    return match, recovery


def _recovery_codes_make(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _session_verify(request: HttpRequest, device) -> None:
    # A new session key for the now fully signed-in session, as at log-in.
    request.session.cycle_key()
    otp_login(request, device)
