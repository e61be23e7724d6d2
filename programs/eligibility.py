"""A programme's eligibility rules: written out in plain words, and checked for a candidate.

The candidate is any object with the profile's attributes (``education_level``,
``major_id``, ``graduation_year``, ``average_grade``, ``age_on()``, ``documents``…),
so this module needs nothing from the candidates app.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import DocumentKind, EducationLevel, Program

# Profile fields an application needs, with the label shown when one is missing.
REQUIRED_PROFILE_FIELDS = (
    ("full_name", gettext_noop("full name")),
    ("nik", gettext_noop("NIK")),
    ("birth_place", gettext_noop("place of birth")),
    ("birth_date", gettext_noop("date of birth")),
    ("sex", gettext_noop("sex")),
    ("phone", gettext_noop("phone number")),
    ("address", gettext_noop("address")),
    ("province_id", gettext_noop("province")),
    ("regency", gettext_noop("regency / city")),
    ("school_name", gettext_noop("school name")),
    ("school_npsn", gettext_noop("school NPSN")),
)


@dataclass(frozen=True)
class Rule:
    code: str
    text: str


@dataclass(frozen=True)
class RuleResult:
    code: str
    text: str
    met: bool
    missing: str = ""


def _plain_number(value: Decimal) -> Decimal | int:
    """75.00 → 75, 72.50 → 72.5: grades read without trailing zeros."""
    if value == value.to_integral_value():
        return int(value)
    return value.quantize(Decimal("0.01")).normalize()


def _grade(value: Decimal) -> str:
    return number_format(_plain_number(value))


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
            % {"grade": _grade(program.min_average_grade)},
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


def profile_gaps(candidate: Any) -> list[str]:
    return [_(label) for field, label in REQUIRED_PROFILE_FIELDS if not getattr(candidate, field, None)]


def _check(program: Program, candidate: Any, code: str) -> str:
    """What is missing for rule ``code``; empty when the rule is met."""
    if code == "education":
        if candidate.education_level != program.education_level:
            return _("Your profile gives another education level.")
    elif code == "major":
        allowed = {major.pk for major in program.allowed_majors.all()}
        if not candidate.major_id:
            return _("Choose your major in your profile.")
        if allowed and candidate.major_id not in allowed:
            return _("Your major is not one this programme accepts.")
    elif code == "graduation_year":
        year = candidate.graduation_year
        if not year:
            return _("Enter your graduation year in your profile.")
        if not program.graduation_year_min <= year <= program.graduation_year_max:
            return _("You graduated in %(year)s.") % {"year": year}
    elif code == "age":
        age = candidate.age_on(program.age_reference_date)
        if age is None:
            return _("Enter your date of birth in your profile.")
        if not program.age_min <= age <= program.age_max:
            return _("You will be %(age)s years old on that date.") % {"age": age}
    elif code == "average_grade":
        grade = candidate.average_grade
        if grade is None:
            return _("Enter your average grade in your profile.")
        if grade < program.min_average_grade:
            return _("Your average grade is %(grade)s.") % {"grade": _grade(grade)}
    elif code == "documents":
        uploaded = {doc.kind for doc in candidate.documents.all() if doc.status != "rejected"}
        missing = [
            DocumentKind(kind).label for kind in program.required_document_kinds if kind not in uploaded
        ]
        if missing:
            return _("Still to upload (or to replace, if rejected): %(documents)s.") % {
                "documents": ", ".join(str(label) for label in missing)
            }
    return ""


def evaluate_rules(program: Program, candidate: Any) -> list[RuleResult]:
    """Each rule with whether ``candidate`` meets it and, if not, what is missing."""
    gaps = profile_gaps(candidate)
    results = [
        RuleResult(
            "profile",
            _("Your profile is complete."),
            met=not gaps,
            missing=_("Fill in your profile: %(fields)s.") % {"fields": ", ".join(gaps)} if gaps else "",
        )
    ]
    for rule in describe_rules(program):
        missing = _check(program, candidate, rule.code)
        results.append(RuleResult(rule.code, rule.text, met=not missing, missing=missing))
    return results


def unmet_rules(program: Program, candidate: Any, *, codes: list[str]) -> list[str]:
    """What is missing for each unmet rule among ``codes`` (and the profile), as :func:`evaluate_rules`
    says it, without describing the rules that are met: for checking many candidates at once."""
    gaps = profile_gaps(candidate)
    missing = [_("Fill in your profile: %(fields)s.") % {"fields": ", ".join(gaps)}] if gaps else []
    for code in codes:
        problem = _check(program, candidate, code)
        if problem:
            missing.append(problem)
    return missing
