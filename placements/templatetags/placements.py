"""Filters that turn the codes stored in a notification into words in the reader's language."""

from __future__ import annotations

import datetime

from django import template

from ..models import AssessmentKind, ChecklistItemKind

register = template.Library()


@register.filter
def checklist_labels(codes) -> list[str]:
    labels = dict(ChecklistItemKind.choices)
    return [str(labels[code]) for code in codes or [] if code in labels]


@register.filter
def assessment_kind_label(code: str) -> str:
    return str(dict(AssessmentKind.choices).get(code, code))


@register.filter
def isodate(value: str):
    """A date stored as ISO text, as a date the ``date`` filter can format ("" if none)."""
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return ""


@register.simple_tag(takes_context=True)
def in_language(context, indonesian: str, english: str) -> str:
    """The English text to English readers when there is one, else the Indonesian."""
    language = context.get("LANGUAGE_CODE") or "id"
    return english if language.startswith("en") and english else indonesian
