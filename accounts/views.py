from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from p2mi_portal.errors import DomainError
from p2mi_portal.forms import add_domain_errors

from . import services
from .forms import EmailLoginForm, RegistrationForm, ResendVerificationForm
from .models import Role
from .throttling import device_mark


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("candidates:home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.candidate_register(
                email=data["email"],
                full_name=data["full_name"],
                phone=data["phone"],
                password=data["password1"],
                language=get_language(),
                site_url=_site_url(request),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            request.session["registered_email"] = data["email"]
            return redirect("accounts:register_sent")
    return render(request, "accounts/register.html", {"form": form})


@require_http_methods(["GET", "POST"])
def register_sent(request: HttpRequest) -> HttpResponse:
    form = ResendVerificationForm(
        request.POST or None, initial={"email": request.session.get("registered_email")}
    )
    if request.method == "POST" and form.is_valid():
        services.verification_email_resend(email=form.cleaned_data["email"], site_url=_site_url(request))
        messages.success(
            request, _("If that address has an account waiting for confirmation, a new link is on its way.")
        )
        return redirect("accounts:register_sent")
    return render(request, "accounts/register_sent.html", {"form": form})


@require_http_methods(["GET"])
def verify(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        user = services.email_verify(uidb64=uidb64, token=token)
    except DomainError as exc:
        form = ResendVerificationForm()
        return render(
            request, "accounts/verify_failed.html", {"message": exc.message, "form": form}, status=400
        )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(
        request, _("Your e-mail address is confirmed. Welcome! Start by filling in your profile.")
    )
    return redirect("candidates:profile")


@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """An account made for someone (an import): they set a password and are in."""
    try:
        user = services.invitation_user(uidb64=uidb64, token=token)
    except DomainError as exc:
        form = ResendVerificationForm()
        return render(
            request, "accounts/verify_failed.html", {"message": exc.message, "form": form}, status=400
        )
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                uidb64=uidb64, token=token, password=form.cleaned_data["new_password1"]
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _(
                    "Your password is set and your account is ready. "
                    "Check your profile and upload your documents."
                ),
            )
            return redirect("candidates:profile")
    return render(request, "accounts/invitation.html", {"form": form, "invited": user})


class LoginView(auth_views.LoginView):
    form_class = EmailLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        user = self.request.user
        if user.is_staff:
            return reverse("admin:index")
        if user.role == Role.CANDIDATE:
            return reverse("candidates:home")
        return reverse("programs:list")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        # A worker looks the address up and queues the e-mail (or, for an account made by an
        # import, its invitation): this page does the same for every address.
        services.password_reset_ask(email=form.cleaned_data["email"], site_url=_site_url(self.request))
        return redirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        # This browser proved it reads the account's e-mail: it may log in even while the
        # account is closed to unknown browsers after many wrong passwords.
        device_mark(self.request, form.user.email)
        return super().form_valid(form)
