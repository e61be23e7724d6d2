"""Applying to a programme: the candidate's own application."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import NotificationKind
from notifications.services import notification_queue
from p2mi_portal.errors import Conflict, DomainError
from programs.eligibility import evaluate_rules
from programs.models import PlacementTrack, Program, RecruitmentState
from programs.selectors import track_in_program

from ..consent import CONSENT_VERSION
from ..models import (
    Application,
    ApplicationEvent,
    CandidateProfile,
    Stage,
)


@transaction.atomic
def application_submit(
    *,
    candidate: CandidateProfile,
    program: Program,
    track: PlacementTrack | None,
    consent: bool,
    consent_version: str = CONSENT_VERSION,
) -> Application:
    """Apply to a programme while its recruitment is open and every rule is met.

    Two requests at once (a double click, two tabs) meet the unique constraint: the
    second gets a ``Conflict`` naming the application that already exists.
    """
    existing = Application.objects.filter(candidate=candidate, program=program).first()
    if existing:
        raise Conflict(_("You have already applied to this programme."), code="already_applied")
    if program.recruitment_state() != RecruitmentState.OPEN:
        raise Conflict(_("Recruitment for this programme is not open."), code="recruitment_not_open")
    errors: dict[str, list[str]] = {}
    if track is None or not track_in_program(track=track, program=program):
        errors["track"] = [_("Choose one of this programme's placement tracks.")]
    if not consent:
        errors["consent"] = [_("You must agree to the processing of your personal data to apply.")]
    if errors:
        raise DomainError(_("Please correct the marked fields."), code="invalid", fields=errors)
    unmet = [result for result in evaluate_rules(program, candidate) if not result.met]
    if unmet:
        raise Conflict(
            _("You do not meet every rule of this programme yet: %(rules)s")
            % {"rules": " ".join(str(result.missing) for result in unmet)},
            code="not_eligible",
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            application = Application.objects.create(
                candidate=candidate,
                program=program,
                preferred_track=track,
                consent_version=consent_version,
                consent_given_at=now,
                submitted_at=now,
            )
    except IntegrityError as exc:
        raise Conflict(_("You have already applied to this programme."), code="already_applied") from exc
    ApplicationEvent.objects.create(
        application=application,
        from_stage="",
        to_stage=Stage.SUBMITTED,
        actor=candidate.user,
        data={"track": track.pk, "consent_version": consent_version},
    )
    notification_queue(
        recipient=candidate.user,
        kind=NotificationKind.APPLICATION_RECEIVED,
        context={"application_id": application.pk, "program_id": program.pk, "track_id": track.pk},
    )
    return application
