"""Moving many applications at once, each through the one stage writer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.models import User
from p2mi_portal.errors import Conflict, DomainError

from ..models import (
    Application,
    Stage,
)
from ..pipeline import NEXT_STAGE
from .applications import application_move, application_screen


@dataclass
class BulkOutcome:
    moved: list[tuple[Application, str]] = field(default_factory=list)
    refused: list[tuple[Application, str]] = field(default_factory=list)


def application_bulk_move(
    *, applications: Iterable[Application], to_stage: str | None, actor: User, reason: str = ""
) -> BulkOutcome:
    """Move each application on its own (``to_stage=None``: to its usual next stage).

    One refusal does not undo the others; the outcome says, per application, what
    happened and why.
    """
    outcome = BulkOutcome()
    for application in applications:
        target = to_stage or NEXT_STAGE.get(application.stage)
        try:
            if target is None:
                raise Conflict(
                    _("“%(current)s” has no usual next stage; move this application on its own page.")
                    % {"current": Stage(application.stage).label},
                    code="no_next_stage",
                )
            if target == Stage.SCREENING and application.stage == Stage.SUBMITTED:
                moved = application_screen(application=application, actor=actor)
            else:
                moved = application_move(application=application, to_stage=target, actor=actor, reason=reason)
        except DomainError as exc:
            outcome.refused.append((application, exc.message))
        else:
            outcome.moved.append((moved, moved.stage))
    return outcome
