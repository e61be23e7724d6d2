"""Indonesian identity facts: NIK, phone numbers, provinces."""

from __future__ import annotations

import csv
import datetime
import re
from functools import cache
from pathlib import Path

import phonenumbers
from django.utils.translation import gettext as _

PROVINCES_CSV = Path(__file__).resolve().parent.parent / "candidates" / "data" / "provinces.csv"
NIK_PATTERN = re.compile(r"^\d{16}$")
FEMALE_DAY_OFFSET = 40


@cache
def province_names() -> dict[str, str]:
    """The 38 provinces by their two-digit Home Affairs code (also the NIK prefix)."""
    with PROVINCES_CSV.open(encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def nik_regex() -> str:
    """16 digits whose first two are a province code: the shape the database enforces."""
    codes = "|".join(sorted(province_names()))
    return rf"^({codes})[0-9]{{14}}$"


def nik_birth_date_digits(birth_date: datetime.date, sex: str) -> str:
    """Digits 7–12 of a NIK: DDMMYY, with 40 added to the day for women."""
    day = birth_date.day + (FEMALE_DAY_OFFSET if sex == "F" else 0)
    return f"{day:02d}{birth_date:%m%y}"


def nik_problems(nik: str, *, birth_date: datetime.date | None, sex: str | None) -> list[str]:
    """Why ``nik`` cannot belong to a person born on ``birth_date`` of ``sex`` ("M"/"F")."""
    if not NIK_PATTERN.match(nik or ""):
        return [_("A NIK has exactly 16 digits.")]
    problems = []
    if nik[:2] not in province_names():
        problems.append(
            _("The first two digits of the NIK (%(code)s) are not a province code.") % {"code": nik[:2]}
        )
    day, month = int(nik[6:8]), int(nik[8:10])
    if not (1 <= day <= 31 or 41 <= day <= 71) or not 1 <= month <= 12:
        problems.append(_("Digits 7 to 12 of the NIK are not a birth date (DDMMYY)."))
    elif birth_date is not None and sex in {"M", "F"}:
        expected = nik_birth_date_digits(birth_date, sex)
        if nik[6:12] != expected:
            if sex == "F":
                hint = _("for a woman born on that date they are %(digits)s (40 is added to the day)")
            else:
                hint = _("for a man born on that date they are %(digits)s")
            problems.append(
                _("Digits 7 to 12 of the NIK do not match the birth date and sex given: %(hint)s.")
                % {"hint": hint % {"digits": expected}}
            )
    return problems


def mask_nik(nik: str | None) -> str:
    """``3171••••••••0001``: province and serial stay readable, the birth date does not."""
    if not nik:
        return ""
    return f"{nik[:4]}{'•' * 8}{nik[-4:]}"


# Sixteen digits, perhaps written in groups ("3171 0115 0804 0001", "3171.0115…"), not part
# of a longer number; and any other run of 14 digits or more (a NIK with a digit or two too
# many or too few). Phone numbers (10–13 digits) stay, as the form's own examples do.
_NIK_SHAPED = re.compile(r"(?<![\d])\d(?:[ .\-]?\d){15}(?![\d])")
_LONG_NUMBER = re.compile(r"(?<![\d])\d(?:[ .\-]?\d){13,}(?![\d])")


def mask_nik_shaped(text: str) -> str:
    """``text`` with every NIK-shaped number masked as :func:`mask_nik` does, other long numbers too.

    For what is kept from untrusted input (an imported cell quoted in a report): a NIK
    typed into the wrong column must not be stored in full there either.
    """

    def nik(match: re.Match[str]) -> str:
        return mask_nik(re.sub(r"\D", "", match.group()))

    def long_number(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group())
        return f"{digits[:2]}{'•' * (len(digits) - 4)}{digits[-2:]}"

    return _LONG_NUMBER.sub(long_number, _NIK_SHAPED.sub(nik, text))


def mask_phone(phone: str | None) -> str:
    """``+62812•••••890``: the operator's prefix and the last three digits, not enough to call."""
    if not phone:
        return ""
    if len(phone) < 10:
        return "•" * len(phone)
    return f"{phone[:6]}{'•' * (len(phone) - 9)}{phone[-3:]}"


class InvalidPhone(ValueError):
    pass


@cache
def _mobile_pattern() -> tuple[re.Pattern[str], frozenset[int]]:
    """phonenumbers' own pattern and lengths for Indonesian mobile numbers."""
    mobile = phonenumbers.PhoneMetadata.metadata_for_region("ID").mobile
    return re.compile(mobile.national_number_pattern), frozenset(mobile.possible_length)


_INDONESIAN_PREFIX = re.compile(r"^(?:\+62|62|0)?(8\d+)$")


def _mobile_fast(digits: str) -> str | None:
    """The E.164 form of an Indonesian mobile number, by phonenumbers' mobile pattern, without parsing.

    ``phonenumbers.parse`` costs about 0.1 ms; an import of 100,000 rows would spend seconds
    in it. Anything this does not recognise goes through the full parse.
    """
    match = _INDONESIAN_PREFIX.match(digits)
    if match is None:
        return None
    national = match.group(1)
    pattern, lengths = _mobile_pattern()
    if len(national) in lengths and pattern.fullmatch(national):
        return "+62" + national
    return None


def normalize_phone(raw: str) -> str:
    """``0812-3456-7890``, ``62812…`` and ``+62 812…`` → ``+6281234567890`` (E.164)."""
    text = (raw or "").strip()
    digits = re.sub(r"[^\d+]", "", text)
    fast = _mobile_fast(digits)
    if fast is not None:
        return fast
    if digits.startswith("62") and not digits.startswith("+"):
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, "ID")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(text) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
