"""Whatever a journey form receives — empty, wrong types, huge numbers, other workers' ids —
the page answers with the form's errors or the service's message, never a server error."""

from __future__ import annotations

import itertools

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation

from placements.forms import JOURNEY_FORMS

from .conftest import accept, complete_training, confirm_all, move, place

GARBAGE = ["", "x", "-1", "0", "99999999999999999999", "2026-13-45", "1" * 5000, "\x00", "9.9e999"]


@pytest.fixture
def workers(program, placement, returned_elsewhere):
    """A worker just accepted, one placed, one back home; every form is sent to each."""
    return [accept(program), placement.application, returned_elsewhere.application]


@pytest.fixture
def returned_elsewhere(program, staff):
    placement = place(complete_training(accept(program), staff), staff)
    confirm_all(placement, staff)
    for status, days_ago in (("pre_departure", 9), ("departed", 8), ("working", 7), ("repatriated", 1)):
        move(placement, status, staff, days_ago=days_ago, reason="Illness")
    return placement


def plausible(field) -> str:
    """A value the field itself accepts, so the post reaches the service."""
    if isinstance(field, forms.ModelChoiceField):
        first = field.queryset.first()
        return str(first.pk) if first else "1"
    if isinstance(field, forms.ChoiceField):
        return next((str(value) for value, _label in field.choices if value), "")
    if isinstance(field, forms.DateField):
        return timezone.localdate().isoformat()
    if isinstance(field, forms.IntegerField | forms.DecimalField):
        return "1"
    return "Text"


@pytest.mark.parametrize("form_class", JOURNEY_FORMS, ids=lambda form_class: form_class.action)
def test_no_post_to_a_journey_form_fails_the_page(client, staff, workers, form_class):
    client.force_login(staff)
    for application, value in itertools.product(workers, [None, *GARBAGE]):
        form = form_class(application=application, placement=getattr(application, "placement", None))
        data = {
            "action": form_class.action,
            **{
                form.add_prefix(name): plausible(field) if value is None else value
                for name, field in form.fields.items()
            },
        }
        with translation.override("en"):
            url = reverse("admin:placements_journey", args=[application.pk])
        response = client.post(url, data)
        sent = "plausible values" if value is None else repr(value[:20])
        assert response.status_code in (200, 302), (application.stage, sent, response.status_code)
