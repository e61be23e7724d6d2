"""The second step of signing in for staff and partner users, and their recovery codes.

The password step (``accounts.views.LoginView`` and the admin's log-in) is unchanged: it signs
the person in, and ``accounts.middleware.SecondFactorMiddleware`` then sends them here until
the session is verified (``accounts.second_factor``).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from p2mi_portal.errors import DomainError
from p2mi_portal.forms import add_domain_errors

from . import second_factor

NEW_CODES_SESSION_KEY = "second_factor_new_codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )

    def __init__(self, *args, help_text: str = "", recovery: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = help_text
        if recovery:
            # A recovery code has letters: the phone shows the full keyboard.
            self.fields["code"].widget.attrs["inputmode"] = "text"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(second_factor.landing_url_name(request.user))


def _with_next(name: str, request: HttpRequest) -> str:
    url = reverse(name)
    target = request.GET.get("next") or request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        url += "?" + urlencode({"next": target})
    return url


def _formatted(codes: list[str]) -> list[str]:
    return [f"{code[:4]}-{code[4:]}" for code in codes]


@never_cache
@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The code step after the password: a code from the app, or a recovery code."""
    user = request.user
    if not second_factor.is_eligible(user) or request.user.is_verified():
        return redirect(_next_url(request))
    if not second_factor.has_app(user):
        return redirect(_with_next("second_factor:setup", request))
    use_recovery = request.GET.get("recovery") == "1"
    form = CodeForm(
        request.POST or None,
        help_text=(
            _("One of the recovery codes you kept when you set up your app, e.g. abcd-efgh.")
            if use_recovery
            else _("The 6 digits your authenticator app shows now.")
        ),
        recovery=use_recovery,
    )
    if request.method == "POST" and form.is_valid():
        try:
            recovery = second_factor.code_verify(request=request, code=form.cleaned_data["code"])
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            if recovery:
                left = second_factor.recovery_codes_left(user=user)
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code; it cannot be used again. "
                        "%(left)s recovery codes are left: make new ones on the recovery codes page."
                    )
                    % {"left": left},
                )
            return redirect(_next_url(request))
    return render(
        request,
        "accounts/second_factor_verify.html",
        {
            "form": form,
            "next": request.GET.get("next", request.POST.get("next", "")),
            "use_recovery": use_recovery,
        },
    )


@never_cache
@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Setting up an authenticator app: the QR code and key, confirmed with a first code."""
    user = request.user
    if not second_factor.is_eligible(user):
        return redirect(_next_url(request))
    if second_factor.has_app(user):
        return redirect(_with_next("second_factor:verify", request))
    form = CodeForm(request.POST or None, help_text=_("The 6 digits your app shows after adding the key."))
    if request.method == "POST" and form.is_valid():
        try:
            codes = second_factor.enrolment_confirm(request=request, code=form.cleaned_data["code"])
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            request.session[NEW_CODES_SESSION_KEY] = codes
            request.session["second_factor_next"] = _next_url(request)
            return redirect("second_factor:new_codes")
    device = second_factor.enrolment_device(user=user)
    return render(
        request,
        "accounts/second_factor_setup.html",
        {
            "form": form,
            "qr_svg": second_factor.enrolment_qr_svg(device),
            "secret": second_factor.enrolment_secret(device),
            "next": request.GET.get("next", request.POST.get("next", "")),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET"])
def new_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once."""
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("second_factor:recovery_codes")
    target = request.session.pop("second_factor_next", "") or reverse(
        second_factor.landing_url_name(request.user)
    )
    return render(
        request, "accounts/second_factor_codes.html", {"codes": _formatted(codes), "continue_url": target}
    )


@never_cache
@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """How many recovery codes are left; shown or renewed after a code from the app."""
    user = request.user
    if not second_factor.is_eligible(user):
        return redirect(_next_url(request))
    if not second_factor.has_app(user):
        return redirect("second_factor:setup")
    form = CodeForm(request.POST or None, help_text=_("The 6 digits your authenticator app shows now."))
    shown: list[str] | None = None
    if request.method == "POST" and form.is_valid():
        renew = request.POST.get("action") == "renew"
        try:
            if renew:
                codes = second_factor.recovery_codes_renew(user=user, code=form.cleaned_data["code"])
            else:
                shown = second_factor.recovery_codes_show(user=user, code=form.cleaned_data["code"])
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            if renew:
                request.session[NEW_CODES_SESSION_KEY] = codes
                request.session["second_factor_next"] = reverse("second_factor:recovery_codes")
                return redirect("second_factor:new_codes")
            form = CodeForm(help_text=form.fields["code"].help_text)
    return render(
        request,
        "accounts/second_factor_recovery.html",
        {
            "form": form,
            "left": second_factor.recovery_codes_left(user=user),
            "shown": _formatted(shown) if shown is not None else None,
        },
    )
