"""Every write to programmes goes through here.

The structure checks (``*_errors``) are pure functions: the admin's inline
formsets call them on what staff typed, and :func:`program_change_status` calls
them on what is stored before a programme is published.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import role_of
from p2mi_portal.errors import Conflict, DomainError
from p2mi_portal.formatting import format_money
from p2mi_portal.guards import require_ministry_staff

from .models import Program, ProgramStatus
from .pipeline import PROGRAM_MACHINE


def track_seat_errors(*, total_seats: int | None, track_seats: Sequence[int]) -> list[str]:
    """Why these track seats do not fit a programme of ``total_seats`` seats."""
    if not track_seats:
        return [_("Add at least one placement track.")]
    if total_seats is None:
        return []
    seats_sum = sum(track_seats)
    if seats_sum != total_seats:
        return [
            _("The tracks' seats add up to %(sum)s, but the programme has %(total)s seats.")
            % {"sum": seats_sum, "total": total_seats}
        ]
    return []


def grade_ladder_errors(
    *,
    ladder: Iterable[tuple[int, Decimal]],
    salary_min: Decimal | None,
    salary_max: Decimal | None,
    currency: str,
) -> list[str]:
    """Why a grade ladder is out of order: grades must run 1, 2, 3… and pay more each step."""
    errors: list[str] = []
    steps = sorted(ladder)
    for expected, (grade, _salary) in enumerate(steps, start=1):
        if grade != expected:
            errors.append(
                _("Grades must run 1, 2, 3… without gaps; grade %(grade)s is missing.") % {"grade": expected}
            )
            break
    for (lower_grade, lower_salary), (grade, salary) in itertools.pairwise(steps):
        if salary <= lower_salary:
            errors.append(
                _("Grade %(grade)s must pay more than grade %(lower)s.")
                % {"grade": grade, "lower": lower_grade}
            )
    if salary_min is not None and salary_max is not None:
        for grade, salary in steps:
            if not salary_min <= salary <= salary_max:
                errors.append(
                    _(
                        "Grade %(grade)s pays %(salary)s, outside the programme's salary "
                        "range of %(min)s to %(max)s."
                    )
                    % {
                        "grade": grade,
                        "salary": format_money(salary, currency),
                        "min": format_money(salary_min, currency),
                        "max": format_money(salary_max, currency),
                    }
                )
    return errors


def rubric_errors(*, weights: Sequence[int]) -> list[str]:
    """Why a scoring rubric does not add up. A programme may have no rubric (yet)."""
    if weights and sum(weights) != 100:
        return [
            _("The rubric's weights add up to %(sum)s%%; they must add up to 100%%.") % {"sum": sum(weights)}
        ]
    return []


def program_structure_errors(program: Program) -> dict[str, list[str]]:
    """The cross-row checks on a stored programme, by the part they concern."""
    errors = {
        "tracks": track_seat_errors(
            total_seats=program.total_seats,
            track_seats=[track.seats for track in program.tracks.all()],
        ),
        "grades": grade_ladder_errors(
            ladder=[(g.grade, g.monthly_salary) for g in program.grades.all()],
            salary_min=program.salary_min,
            salary_max=program.salary_max,
            currency=program.salary_currency,
        ),
        "criteria": rubric_errors(weights=[criterion.weight for criterion in program.criteria.all()]),
    }
    return {part: msgs for part, msgs in errors.items() if msgs}


@transaction.atomic
def program_change_status(*, program: Program, to_status: str, actor: User | None) -> Program:
    """Move a programme to another status, publishing only a consistent one.

    ``actor`` is ``None`` only for system jobs (the demo loader, scheduled tasks).
    """
    require_ministry_staff(actor, _("Only ministry staff can change a programme's status."), system=True)
    locked = Program.objects.select_for_update().get(pk=program.pk)
    if to_status not in ProgramStatus.values:
        raise DomainError(_("Unknown programme status."), code="invalid_status")
    if PROGRAM_MACHINE.move(locked.status, to_status, role_of(actor)) is None:
        raise PROGRAM_MACHINE.refusal(locked.status, to_status, role_of(actor), code=locked.code)
    if to_status == ProgramStatus.PUBLISHED:
        problems = program_structure_errors(locked)
        if problems:
            raise Conflict(
                _("Programme %(code)s cannot be published: %(problems)s")
                % {
                    "code": locked.code,
                    "problems": " ".join(msg for msgs in problems.values() for msg in msgs),
                },
                code="program_inconsistent",
            )
        if locked.published_at is None:
            locked.published_at = timezone.now()
    locked.status = to_status
    locked.save(update_fields=["status", "published_at", "updated_at"])
    program.status, program.published_at = locked.status, locked.published_at
    return locked
