from decimal import Decimal

from django import template
from django.urls import translate_url

from p2mi_portal.formatting import format_money, format_money_short

register = template.Library()


@register.simple_tag
def money(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency)


@register.simple_tag
def money_short(amount: Decimal, currency: str) -> str:
    return format_money_short(amount, currency)


@register.filter
def localized(obj, field: str) -> str:
    """``{{ program|localized:"title" }}``: the text in the reader's language."""
    # A missing object (e.g. deleted since a message was written) shows as nothing.
    return obj.localized(field) if hasattr(obj, "localized") else ""


@register.simple_tag(takes_context=True)
def translated_path(context, language: str) -> str:
    """This page's address in ``language`` (the query string kept)."""
    request = context.get("request")
    if request is None:
        return "/"
    return translate_url(request.get_full_path(), language)


@register.filter
def minutes(duration) -> int:
    """A ``timedelta`` as whole minutes, rounded up."""
    if duration is None:
        return 0
    return -(-int(duration.total_seconds()) // 60)
