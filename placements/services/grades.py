"""A placed worker's grade on the programme's ladder."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import PartnerAPIKey, User
from p2mi_portal.errors import Conflict, invalid
from programs.models import GradeLevel

from ..models import (
    GradeChange,
    Placement,
)
from .common import (
    PLACEMENT_STAGES,
    check_placement_actor,
    day_text,
    locked_placement,
    require_stage,
)


def _ladder(placement: Placement) -> list[int]:
    return list(
        GradeLevel.objects.filter(program_id=placement.application.program_id)
        .order_by("grade")
        .values_list("grade", flat=True)
    )


@transaction.atomic
def placement_change_grade(
    *,
    placement: Placement,
    to_grade: Any,
    effective_on: datetime.date,
    actor: User | None,
    reason: str = "",
    api_key: PartnerAPIKey | None = None,
) -> GradeChange:
    """Move the worker one step up or down the programme's grade ladder from a date."""
    locked = locked_placement(placement)
    check_placement_actor(actor, locked)
    if locked.is_final:
        raise Conflict(_("The placement has ended; its grade no longer changes."), code="placement_ended")
    require_stage(locked.application, PLACEMENT_STAGES)
    ladder = _ladder(locked)
    if not ladder:
        raise Conflict(_("This programme has no grade ladder."), code="no_ladder")
    if not isinstance(to_grade, int) or isinstance(to_grade, bool) or to_grade not in ladder:
        raise invalid(
            "grade",
            _("Grade %(grade)s is not on the programme's ladder (%(low)s to %(high)s).")
            % {"grade": to_grade, "low": ladder[0], "high": ladder[-1]},
        )
    if not isinstance(effective_on, datetime.date):
        raise invalid("effective_on", _("Give the date the grade takes effect."))
    if not locked.contract_starts <= effective_on <= locked.contract_ends:
        raise invalid(
            "effective_on",
            _("The date must fall within the contract, from %(start)s to %(end)s.")
            % {"start": day_text(locked.contract_starts), "end": day_text(locked.contract_ends)},
        )
    latest = locked.grade_changes.order_by("-effective_on", "-id").first()
    current = latest.to_grade if latest else None
    if latest is not None and effective_on < latest.effective_on:
        raise invalid(
            "effective_on",
            _("The date cannot be before the last grade change, on %(last)s.")
            % {"last": day_text(latest.effective_on)},
        )
    if current is not None:
        if to_grade == current:
            raise Conflict(
                _("The worker is already at grade %(grade)s.") % {"grade": current}, code="same_grade"
            )
        step = abs(ladder.index(to_grade) - ladder.index(current))
        if step != 1:
            raise Conflict(
                _("Grades change one step at a time: from grade %(current)s the next can be %(options)s.")
                % {
                    "current": current,
                    "options": ", ".join(
                        str(ladder[i])
                        for i in (ladder.index(current) - 1, ladder.index(current) + 1)
                        if 0 <= i < len(ladder)
                    ),
                },
                code="grade_step",
            )
    change = GradeChange.objects.create(
        placement=locked,
        from_grade=current,
        to_grade=to_grade,
        effective_on=effective_on,
        reason=(reason or "").strip()[:300],
        actor=actor,
        api_key=api_key,
    )
    change.refresh_from_db(fields=["created_at"])
    locked.grade = to_grade
    locked.save(update_fields=["grade", "updated_at"])
    return change
