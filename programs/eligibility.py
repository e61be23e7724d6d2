"""A programme's eligibility rules, written out in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from .models import EducationLevel, Program


@dataclass(frozen=True)
class Rule:
    code: str
    text: str


def _plain_number(value: Decimal) -> Decimal | int:
    """75.00 → 75, 72.50 → 72.5: grades read without trailing zeros."""
    if value == value.to_integral_value():
        return int(value)
    return value.quantize(Decimal("0.01")).normalize()


def describe_rules(program: Program) -> list[Rule]:
    """Every rule of ``program`` as one sentence in the active language."""
    rules = [
        Rule(
            "education",
            _("Your education: %(level)s.") % {"level": EducationLevel(program.education_level).label},
        )
    ]
    majors = [major.localized("name") for major in program.allowed_majors.all()]
    if majors:
        rules.append(Rule("major", _("Your major is one of: %(majors)s.") % {"majors": ", ".join(majors)}))
    else:
        rules.append(Rule("major", _("Every major is accepted.")))
    if program.graduation_year_min == program.graduation_year_max:
        years = _("You graduated in %(year)s.") % {"year": program.graduation_year_min}
    else:
        years = _("You graduated between %(first)s and %(last)s.") % {
            "first": program.graduation_year_min,
            "last": program.graduation_year_max,
        }
    rules.append(Rule("graduation_year", years))
    rules.append(
        Rule(
            "age",
            _("You are %(min)s to %(max)s years old on %(date)s.")
            % {
                "min": program.age_min,
                "max": program.age_max,
                "date": date_format(program.age_reference_date, "DATE_FORMAT"),
            },
        )
    )
    rules.append(
        Rule(
            "average_grade",
            _("Your average grade is at least %(grade)s (out of 100).")
            % {"grade": number_format(_plain_number(program.min_average_grade))},
        )
    )
    documents = program.required_document_labels()
    if documents:
        rules.append(
            Rule(
                "documents",
                _("You must upload these documents: %(documents)s.")
                % {"documents": ", ".join(str(d) for d in documents)},
            )
        )
    return rules
