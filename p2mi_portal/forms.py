"""Form fields shared by the portal's forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from p2mi_portal.errors import DomainError
from p2mi_portal.indonesia import InvalidPhone, normalize_phone


def add_domain_errors(form: forms.Form, exc: DomainError, aliases: dict[str, str] | None = None) -> None:
    """Show a service's refusal on the form: each error on its field, the rest above the form.

    ``aliases`` maps the service's field names to the form's (``"interview.place"`` →
    ``"interview_place"``).
    """
    aliases = aliases or {}
    if not exc.fields:
        form.add_error(None, exc.message)
    for name, errors in exc.fields.items():
        field = aliases.get(name, name)
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def clean_indonesian_phone(value: str) -> str:
    """A phone number as typed (``0812-…``, ``62812…``, ``+62 812…``) in E.164, or a form error."""
    try:
        return normalize_phone(value)
    except InvalidPhone as exc:
        raise forms.ValidationError(
            _("This is not a valid phone number. Write it like 0812-3456-7890 or +62 812 3456 7890.")
        ) from exc
