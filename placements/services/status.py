"""A placement's status: departure, arrival, return, ending early."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PartnerAPIKey, User
from candidates.models import Stage
from candidates.pipeline import PLACEMENTS
from candidates.services import application_move
from p2mi_portal.errors import Conflict, invalid

from ..models import (
    PLACEMENT_ABROAD_STATUSES,
    PLACEMENT_BEFORE_DEPARTURE_STATUSES,
    PLACEMENT_FINAL_STATUSES,
    Placement,
    PlacementEvent,
    PlacementStatus,
)
from ..pipeline import PLACEMENT_MACHINE
from .checklist import checklist_remind, open_checklist_items
from .common import (
    PLACEMENT_STAGES,
    check_placement_actor,
    day_text,
    locked_placement,
    require_stage,
)

# A worker may leave for the site up to this long before the contract starts, and the
# journey home may end this long after it ends; status dates outside are refused.
DEPARTURE_LEAD = datetime.timedelta(days=90)
RETURN_GRACE = datetime.timedelta(days=30)


@transaction.atomic
def placement_change_status(
    *,
    placement: Placement,
    to_status: str,
    actor: User | None,
    on_date: datetime.date | None = None,
    reason: str = "",
    api_key: PartnerAPIKey | None = None,
) -> Placement:
    """Move a placement along planned → pre-departure → departed → working → completed (or an early end)."""
    locked = locked_placement(placement)
    role = check_placement_actor(actor, locked)
    if to_status not in PlacementStatus.values:
        raise invalid("status", _("Choose a status from the list."))
    move = PLACEMENT_MACHINE.move(locked.status, to_status, role)
    if move is None:
        raise PLACEMENT_MACHINE.refusal(locked.status, to_status, role)
    require_stage(locked.application, PLACEMENT_STAGES)
    reason = (reason or "").strip()
    if move.needs_reason and not reason:
        raise invalid("reason", _("Give a reason for an early end."))
    on_date = on_date or timezone.localdate()
    earliest = locked.contract_starts - DEPARTURE_LEAD
    latest = locked.contract_ends + RETURN_GRACE
    # The placement's creation is dated when it was recorded, which says nothing of the journey.
    last = (
        locked.events.exclude(from_status="")
        .order_by("-on_date", "-id")
        .values_list("on_date", flat=True)
        .first()
    )
    if on_date > timezone.localdate():
        raise invalid("on_date", _("The date cannot be in the future."))
    # Ending a placement before departure is not a journey date; every other one is.
    before_departure = locked.status in PLACEMENT_BEFORE_DEPARTURE_STATUSES
    if (
        not (before_departure and to_status == PlacementStatus.TERMINATED)
        and not earliest <= on_date <= latest
    ):
        raise invalid(
            "on_date",
            _("The date must fall within the contract (%(start)s to %(end)s), allowing for travel.")
            % {"start": day_text(locked.contract_starts), "end": day_text(locked.contract_ends)},
        )
    if last is not None and on_date < last:
        raise invalid(
            "on_date", _("The date cannot be before the last change, on %(last)s.") % {"last": day_text(last)}
        )
    if to_status == PlacementStatus.COMPLETED and on_date < locked.contract_ends:
        raise invalid(
            "on_date",
            _(
                "The contract ends on %(end)s and cannot be completed before; "
                "an earlier end is “%(terminated)s” or “%(repatriated)s”, with a reason."
            )
            % {
                "end": day_text(locked.contract_ends),
                "terminated": PlacementStatus.TERMINATED.label,
                "repatriated": PlacementStatus.REPATRIATED.label,
            },
        )
    if to_status == PlacementStatus.DEPARTED:
        still_open = open_checklist_items(locked)
        if still_open:
            raise Conflict(
                _("The worker cannot depart while these checklist items are open: %(items)s.")
                % {"items": ", ".join(str(item.get_item_display()) for item in still_open)},
                code="checklist_open",
            )
        locked.departed_on = on_date
    abroad = locked.status in PLACEMENT_ABROAD_STATUSES
    from_status = locked.status
    locked.status = to_status
    fields = ["status", "departed_on", "updated_at"]
    if to_status in PLACEMENT_FINAL_STATUSES:
        locked.status_reason = reason or _("Contract completed.")
        fields.append("status_reason")
        if abroad:
            locked.returned_on = on_date
            fields.append("returned_on")
    locked.save(update_fields=fields)
    PlacementEvent.objects.create(
        placement=locked,
        from_status=from_status,
        to_status=to_status,
        on_date=on_date,
        reason=reason,
        actor=actor,
        api_key=api_key,
    )
    if to_status in PLACEMENT_FINAL_STATUSES:
        application_move(
            application=locked.application,
            to_stage=Stage.RETURNED if abroad else Stage.DISCONTINUED,
            actor=actor,
            reason=locked.status_reason,
            through=PLACEMENTS,
            data={"placement": locked.pk, "status": to_status},
        )
    elif to_status == PlacementStatus.PRE_DEPARTURE:
        checklist_remind(placement=locked)
    return locked
