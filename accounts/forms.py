from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from p2mi_portal.forms import clean_indonesian_phone

from .models import User


class RegistrationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("As on your KTP. A single name is fine."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=32,
        help_text=_("For example 0812-3456-7890."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not a common password and not like your name or e-mail."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name

    def clean_email(self) -> str:
        # Whether the address already has an account is not said here: its owner is told by e-mail.
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()

    def clean_phone(self) -> str:
        return clean_indonesian_phone(self.cleaned_data["phone"])

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        elif first:
            probe = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(first, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class EmailLoginForm(AuthenticationForm):
    """Log-in by e-mail; an unverified account is told to follow its e-mail link."""

    username = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The e-mail address or password is wrong."),
        "unverified": _(
            "Confirm your e-mail address first: follow the link we sent you. "
            "You can ask for a new link below."
        ),
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
            user = User.objects.filter(email__iexact=email or "").first()
            locked_out = getattr(self.request, "axes_locked_out", False)
            if (
                not locked_out
                and user is not None
                and not user.is_active
                and user.email_verified_at is None
                and user.check_password(password or "")
            ):
                raise forms.ValidationError(self.error_messages["unverified"], code="unverified") from None
            raise


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
