"""Country names in Indonesian.

django-countries has no Indonesian catalogue; the ISO 3166 names translated by the
iso-codes project (shipped with pycountry) fill the gap. A few names follow the
usage of Indonesian government writing instead of the ISO long form.
"""

from __future__ import annotations

import gettext
from functools import cache, partial

import pycountry
from django.utils.functional import lazy
from django.utils.translation import get_language
from django_countries import Countries
from django_countries.data import COUNTRIES

# django-countries' own short English names (South Korea, not "Korea (the Republic of)").
ENGLISH_NAMES = {**COUNTRIES, **Countries.COMMON_NAMES}

INDONESIAN_USAGE = {
    "RU": "Rusia",
    "CN": "Tiongkok",
    "TW": "Taiwan",
    "KR": "Korea Selatan",
    "KP": "Korea Utara",
    "GB": "Inggris Raya",
    "US": "Amerika Serikat",
}


@cache
def _iso_catalogue() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["id"], fallback=True)


@cache
def indonesian_name(code: str) -> str:
    if code in INDONESIAN_USAGE:
        return INDONESIAN_USAGE[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return str(ENGLISH_NAMES[code])
    english = getattr(country, "common_name", None) or country.name
    return _iso_catalogue().gettext(english)


def _name(code: str) -> str:
    if (get_language() or "id").startswith("id"):
        return indonesian_name(code)
    return str(ENGLISH_NAMES[code])


def country_names_override() -> dict[str, object]:
    """For ``COUNTRIES_OVERRIDE``: every country's name, looked up in the active language."""
    return {code: lazy(partial(_name, code), str)() for code in COUNTRIES}
