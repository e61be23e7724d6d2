"""Moving many applications at once, each through the one stage writer.

Staff first see :func:`application_bulk_plan` (what will happen to each selected
application, nothing written), then confirm; :func:`application_bulk_move` moves
exactly the applications listed, each on its own through ``application_move``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.models import User
from p2mi_portal.errors import Conflict, DomainError
from p2mi_portal.transitions import Actor

from ..models import (
    Application,
    Stage,
)
from ..pipeline import NEXT_STAGE, STAGE_MACHINE
from .applications import application_move, application_screen, documents_missing, unmet_rules


@dataclass
class BulkOutcome:
    moved: list[tuple[Application, str]] = field(default_factory=list)
    refused: list[tuple[Application, str]] = field(default_factory=list)


@dataclass(frozen=True)
class BulkStep:
    """What a bulk move will do to one application: its target, or why it is skipped."""

    application: Application
    target: str | None
    note: str = ""

    @property
    def moves(self) -> bool:
        return self.target is not None

    @property
    def target_label(self) -> str:
        return Stage(self.target).label if self.target else ""


def _waits_for(documents: list[str]) -> str:
    return _("waits for documents: %(documents)s") % {"documents": ", ".join(documents)}


def _no_next_stage(application: Application) -> Conflict:
    return Conflict(
        _("“%(current)s” has no usual next stage; move this application on its own page.")
        % {"current": Stage(application.stage).label},
        code="no_next_stage",
    )


def _plan_one(application: Application, to_stage: str | None) -> BulkStep:
    target = to_stage or NEXT_STAGE.get(application.stage)
    if target is None:
        return BulkStep(application, None, _no_next_stage(application).message)
    if application.stage == target:
        return BulkStep(
            application,
            None,
            _("This application is already at “%(current)s”.") % {"current": Stage(target).label},
        )
    if STAGE_MACHINE.move(application.stage, target, Actor.STAFF) is None:
        return BulkStep(
            application, None, STAGE_MACHINE.refusal(application.stage, target, Actor.STAFF).message
        )
    if target == Stage.SCREENING and application.stage == Stage.SUBMITTED:
        unmet = unmet_rules(application)
        if unmet:
            return BulkStep(
                application,
                Stage.INELIGIBLE,
                " ".join(str(result.missing) for result in unmet),
            )
        missing = documents_missing(application)
        return BulkStep(application, Stage.SCREENING, _waits_for(missing) if missing else "")
    if target == Stage.DOCUMENTS_VERIFIED:
        missing = documents_missing(application)
        if missing:
            # Only uploads are missing: the application waits where it is, refused by nobody.
            return BulkStep(application, None, _waits_for(missing))
    return BulkStep(application, target)


def application_bulk_plan(*, applications: Iterable[Application], to_stage: str | None) -> list[BulkStep]:
    """What moving ``applications`` would do, one step each; nothing is written."""
    return [_plan_one(application, to_stage) for application in applications]


def application_bulk_move(
    *,
    applications: Iterable[Application],
    to_stage: str | None,
    actor: User,
    reason: str = "",
    expected_stages: Mapping[int, str] | None = None,
) -> BulkOutcome:
    """Move each application on its own (``to_stage=None``: to its usual next stage).

    One refusal does not undo the others; the outcome says, per application, what
    happened and why. With ``expected_stages`` (the stages the confirmation page showed),
    an application that has moved since is left alone. An application that only waits
    for documents is not moved at all.
    """
    outcome = BulkOutcome()
    for application in applications:
        try:
            expected = (expected_stages or {}).get(application.pk)
            if expected_stages is not None and expected != application.stage:
                raise Conflict(
                    _("It moved to “%(current)s” after the confirmation page was shown; nothing was done.")
                    % {"current": Stage(application.stage).label},
                    code="stage_changed",
                )
            step = _plan_one(application, to_stage)
            target = to_stage or NEXT_STAGE.get(application.stage)
            if target is None:
                raise _no_next_stage(application)
            if target == Stage.SCREENING and application.stage == Stage.SUBMITTED:
                moved = application_screen(application=application, actor=actor)
            elif not step.moves and step.note and target == Stage.DOCUMENTS_VERIFIED:
                raise Conflict(step.note, code="documents_not_verified")
            else:
                moved = application_move(application=application, to_stage=target, actor=actor, reason=reason)
        except DomainError as exc:
            outcome.refused.append((application, exc.message))
        else:
            outcome.moved.append((moved, moved.stage))
    return outcome
