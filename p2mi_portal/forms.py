"""Form fields shared by the portal's forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from p2mi_portal.indonesia import InvalidPhone, normalize_phone


def clean_indonesian_phone(value: str) -> str:
    """A phone number as typed (``0812-…``, ``62812…``, ``+62 812…``) in E.164, or a form error."""
    try:
        return normalize_phone(value)
    except InvalidPhone as exc:
        raise forms.ValidationError(
            _("This is not a valid phone number. Write it like 0812-3456-7890 or +62 812 3456 7890.")
        ) from exc
