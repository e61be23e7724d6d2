"""A placement: the contract that places an accepted worker."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from candidates.models import Application, Stage
from candidates.pipeline import PLACEMENTS
from candidates.services import application_move
from p2mi_portal.errors import Conflict, DomainError
from p2mi_portal.guards import require_ministry_staff
from programs.models import Partner, PlacementTrack

from ..models import (
    ChecklistItem,
    ChecklistItemKind,
    Enrolment,
    EnrolmentStatus,
    Placement,
    PlacementEvent,
    PlacementStatus,
)
from .common import (
    add_months,
    date_in_range,
    out_of_range_message,
)

# --- Placement --------------------------------------------------------------------------


@transaction.atomic
def placement_create(
    *,
    application: Application,
    actor: User,
    site: str,
    position: str,
    contract_starts: datetime.date,
    contract_ends: datetime.date | None = None,
    track: PlacementTrack | None = None,
    employer: Partner | None = None,
) -> Placement:
    """Place a worker who completed training, on the track whose seat they hold."""
    require_ministry_staff(actor)
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("program", "track")
        .get(pk=application.pk)
    )
    program = locked.program
    if locked.stage not in (Stage.ACCEPTED, Stage.IN_TRAINING):
        raise Conflict(
            _(
                "Only a worker who accepted a seat and completed training can be placed; "
                "this application is at “%(stage)s”."
            )
            % {"stage": Stage(locked.stage).label},
            code="not_ready_for_placement",
        )
    unfinished = list(
        Enrolment.objects.filter(application=locked)
        .exclude(status=EnrolmentStatus.PASSED)
        .select_related("phase")
        .order_by("phase__order")
    )
    if unfinished:
        raise Conflict(
            _("Training is not complete; these phases are not passed: %(phases)s.")
            % {"phases": ", ".join(str(e.phase) for e in unfinished)},
            code="training_not_complete",
        )
    if track is not None and track.pk != locked.track_id:
        raise Conflict(
            _(
                "The worker holds a seat on the track “%(held)s”; "
                "a placement can only be on that track, not on “%(track)s”."
            )
            % {"held": locked.track.localized("name"), "track": track.localized("name")},
            code="wrong_track",
        )
    errors: dict[str, list[str]] = {}
    if not (site or "").strip():
        errors["site"] = [_("Name the work site.")]
    if not (position or "").strip():
        errors["position"] = [_("Name the position.")]
    if not isinstance(contract_starts, datetime.date):
        errors["contract_starts"] = [_("Give the date the contract starts.")]
    elif not date_in_range(contract_starts):
        errors["contract_starts"] = [out_of_range_message()]
    elif contract_ends is not None and not date_in_range(contract_ends):
        errors["contract_ends"] = [out_of_range_message()]
    else:
        contract_ends = contract_ends or add_months(contract_starts, program.contract_months)
        if contract_ends <= contract_starts:
            errors["contract_ends"] = [_("The contract must end after it starts.")]
    if errors:
        raise DomainError(_("Please correct the marked fields."), code="invalid", fields=errors)
    placement = Placement.objects.create(
        application=locked,
        track=locked.track,
        employer=employer or program.employer,
        site=site.strip()[:200],
        position=position.strip()[:150],
        contract_starts=contract_starts,
        contract_ends=contract_ends,
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(placement=placement, item=item) for item in ChecklistItemKind
    )
    PlacementEvent.objects.create(
        placement=placement,
        from_status="",
        to_status=PlacementStatus.PLANNED,
        on_date=timezone.localdate(),
        actor=actor,
    )
    application_move(
        application=locked,
        to_stage=Stage.PLACED,
        actor=actor,
        through=PLACEMENTS,
        data={"placement": placement.pk},
    )
    return placement
