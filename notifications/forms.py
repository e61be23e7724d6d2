"""The form where a person chooses the channels they get messages on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import User


class NotificationPreferencesForm(forms.Form):
    email = forms.BooleanField(label=_("E-mail"), required=False)
    whatsapp = forms.BooleanField(label=_("WhatsApp"), required=False)
    sms = forms.BooleanField(label=_("SMS"), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        # Where each channel goes, so the person sees which address or number is used.
        self.fields["email"].help_text = _("To %(address)s.") % {"address": user.email}
        for name in ("whatsapp", "sms"):
            self.fields[name].help_text = (
                _("To %(number)s.") % {"number": user.phone}
                if user.phone
                else _("There is no phone number in your profile yet.")
            )
