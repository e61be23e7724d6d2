"""Closing a worker's open records when the application leaves the path."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from candidates.models import Application, Stage

from ..models import (
    ENROLMENT_OPEN_STATUSES,
    PLACEMENT_BEFORE_DEPARTURE_STATUSES,
    Enrolment,
    EnrolmentStatus,
    Placement,
    PlacementEvent,
    PlacementStatus,
)


@transaction.atomic
def records_close(*, application: Application, actor: User | None, reason: str = "") -> None:
    """Discontinue the open phases and end a placement not yet under way, with the move's reason.

    The stage service calls this, holding the application's lock, for every move into a
    final stage (rejected, withdrawn, discontinued, …). A move made by the training or
    placement services finds their records already closed, and this changes nothing.
    A placement abroad is not touched: the move table lets a placed worker leave only
    through the placement itself.
    """
    label = Stage(application.stage).label
    reason = (reason or "").strip()
    because = (
        _("Application “%(stage)s”: %(reason)s") % {"stage": label, "reason": reason}
        if reason
        else _("Application “%(stage)s”.") % {"stage": label}
    )
    now = timezone.now()
    open_enrolments = Enrolment.objects.select_for_update(of=("self",)).filter(
        application_id=application.pk, status__in=ENROLMENT_OPEN_STATUSES
    )
    for enrolment in open_enrolments:
        enrolment.status = EnrolmentStatus.DISCONTINUED
        enrolment.outcome_reason = because
        enrolment.decided_at = now
        enrolment.decided_by = actor
        enrolment.save(update_fields=["status", "outcome_reason", "decided_at", "decided_by", "updated_at"])
    placement = (
        Placement.objects.select_for_update(of=("self",))
        .filter(
            application_id=application.pk,
            status__in=PLACEMENT_BEFORE_DEPARTURE_STATUSES,
        )
        .first()
    )
    if placement is not None:
        from_status = placement.status
        placement.status = PlacementStatus.TERMINATED
        placement.status_reason = because
        placement.save(update_fields=["status", "status_reason", "updated_at"])
        PlacementEvent.objects.create(
            placement=placement,
            from_status=from_status,
            to_status=PlacementStatus.TERMINATED,
            on_date=timezone.localdate(),
            reason=because,
            actor=actor,
        )
