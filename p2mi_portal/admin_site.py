"""The ministry's admin site: Django's own, with malformed ids refused instead of crashing.

Every model admin registered on the site (the portal's and those of the libraries it uses) gets
:class:`KeyCheckedAdminMixin`, so a tampered or stale form never reaches the database with an id
that cannot be one:

- a bulk action posted with selections that are not ids ("abc", a NUL byte, a number too large
  for the column) acts on the well-formed ones only ("Items must be selected…" when none is left);
- an autocomplete box or a many-to-many field posted with such a value shows the form again with
  the field's own "Select a valid choice" message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Field, Model, URLField
from django.http import HttpRequest


def is_usable_key(field: Field, value: object, *, using: str = "default") -> bool:
    """Whether ``value`` can be looked up in ``field`` (a key, or the field a relation points to)."""
    while field.is_relation:
        field = field.target_field
    text = str(value)
    if "\x00" in text:
        return False
    try:
        python = field.to_python(text)
    except (ValidationError, ValueError, TypeError):
        return False
    if isinstance(python, int):
        try:
            low, high = connections[using].ops.integer_field_range(field.get_internal_type())
        except KeyError:  # not an integer column: nothing more to check
            return True
        return (low is None or python >= low) and (high is None or python <= high)
    return True


def _key_field(model: type[Model], to_field: str | None) -> Field:
    return model._meta.get_field(to_field) if to_field and to_field != "pk" else model._meta.pk


class _KeyCheckedAutocomplete:
    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        key = _key_field(remote.model, getattr(remote, "field_name", None))
        usable = [item for item in value if is_usable_key(key, item, using=self.db or "default")]
        return super().optgroups(name, usable, attr)


class KeyCheckedAutocompleteSelect(_KeyCheckedAutocomplete, AutocompleteSelect):
    pass


class KeyCheckedAutocompleteSelectMultiple(_KeyCheckedAutocomplete, AutocompleteSelectMultiple):
    pass


class KeyCheckedMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A many-to-many choice that refuses values which cannot be ids before querying with them."""

    def _check_values(self, value):
        key = _key_field(self.queryset.model, self.to_field_name)
        using = router.db_for_read(self.queryset.model)
        for item in value:
            if not is_usable_key(key, item, using=using):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                )
        return super()._check_values(value)


class KeyCheckedAdminMixin:
    """Refuses ids that cannot be ids in bulk actions, autocomplete boxes and many-to-many fields."""

    def response_action(self, request: HttpRequest, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        using = router.db_for_read(self.model)
        usable = [value for value in selected if is_usable_key(self.model._meta.pk, value, using=using)]
        if len(usable) != len(selected):
            post = request.POST.copy()
            post.setlist(helpers.ACTION_CHECKBOX_NAME, usable)
            request.POST = post
        return super().response_action(request, queryset)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, URLField):
            # An address typed without a scheme is read as https (the default from Django 6 on).
            kwargs.setdefault("assume_scheme", "https")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KeyCheckedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KeyCheckedAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        kwargs.setdefault("form_class", KeyCheckedMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class PortalAdminSite(admin.AdminSite):
    """The admin site; whatever registers on it is given :class:`KeyCheckedAdminMixin`.

    Staff reach it (and every view wrapped in its ``admin_view``: journey, dashboard, import,
    triage…) only once every registered access check passes: ``accounts`` registers the
    second factor (``accounts.second_factor``) from its ``AppConfig.ready()``.
    """

    # Each takes the request and says whether it may enter; all must agree.
    access_checks: ClassVar[list[Callable[[HttpRequest], bool]]] = []

    @classmethod
    def access_check_add(cls, check: Callable[[HttpRequest], bool]) -> None:
        if check not in cls.access_checks:
            cls.access_checks.append(check)

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and all(check(request) for check in self.access_checks)

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, KeyCheckedAdminMixin):
            admin_class = type(
                admin_class.__name__,
                (KeyCheckedAdminMixin, admin_class),
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        return super().register(model_or_iterable, admin_class, **options)
