"""Money written the way readers of each language expect it."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

# Symbols written before the amount; other currencies show their ISO code.
CURRENCY_SYMBOLS = {"IDR": "Rp", "JPY": "¥", "KRW": "₩", "EUR": "€", "USD": "US$", "CNY": "CN¥"}


def format_money(amount: Decimal | int, currency: str) -> str:
    """``Rp 43.800.000`` in Indonesian, ``Rp 43,800,000`` in English; no cents."""
    digits = number_format(Decimal(amount).quantize(Decimal("1")), decimal_pos=0, force_grouping=True)
    return f"{CURRENCY_SYMBOLS.get(currency, currency)}\u00a0{digits}"


def format_money_short(amount: Decimal | int, currency: str) -> str:
    """Large amounts in words: ``Rp 43,8 juta`` / ``Rp 43.8 million``."""
    amount = Decimal(amount)
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    if amount >= 1_000_000_000:
        value = number_format(amount / 1_000_000_000, decimal_pos=1, force_grouping=True)
        words = _("%(amount)s billion") % {"amount": value}
    elif amount >= 1_000_000:
        value = number_format(amount / 1_000_000, decimal_pos=1, force_grouping=True)
        words = _("%(amount)s million") % {"amount": value}
    else:
        return format_money(amount, currency)
    return f"{symbol}\u00a0{words}"
