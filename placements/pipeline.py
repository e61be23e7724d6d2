"""The statuses of a placement and every change allowed between them, in one table.

``placements.services.placement_change_status`` is the only writer of a placement's status:
it locks the placement, checks the change here and records a ``PlacementEvent``. Ends while
abroad bring the worker home ("repatriated"); an end before departure means the worker
never went ("terminated"). The README draws it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from p2mi_portal.transitions import Actor, Machine, Move

from .models import PlacementStatus

_STAFF = frozenset({Actor.STAFF})
_STAFF_AND_EMPLOYER = frozenset({Actor.STAFF, Actor.PARTNER})

PLACEMENT_MACHINE = Machine(
    [
        Move(PlacementStatus.PLANNED, PlacementStatus.PRE_DEPARTURE, _STAFF),
        Move(PlacementStatus.PRE_DEPARTURE, PlacementStatus.DEPARTED, _STAFF_AND_EMPLOYER),
        Move(PlacementStatus.DEPARTED, PlacementStatus.WORKING, _STAFF_AND_EMPLOYER),
        Move(PlacementStatus.WORKING, PlacementStatus.COMPLETED, _STAFF_AND_EMPLOYER),
        Move(PlacementStatus.PLANNED, PlacementStatus.TERMINATED, _STAFF_AND_EMPLOYER, needs_reason=True),
        Move(
            PlacementStatus.PRE_DEPARTURE, PlacementStatus.TERMINATED, _STAFF_AND_EMPLOYER, needs_reason=True
        ),
        Move(PlacementStatus.DEPARTED, PlacementStatus.TERMINATED, _STAFF_AND_EMPLOYER, needs_reason=True),
        Move(PlacementStatus.WORKING, PlacementStatus.TERMINATED, _STAFF_AND_EMPLOYER, needs_reason=True),
        Move(PlacementStatus.DEPARTED, PlacementStatus.REPATRIATED, _STAFF_AND_EMPLOYER, needs_reason=True),
        Move(PlacementStatus.WORKING, PlacementStatus.REPATRIATED, _STAFF_AND_EMPLOYER, needs_reason=True),
    ],
    states=PlacementStatus,
    refusal=_("This placement is “%(current)s” and cannot become “%(target)s”. Allowed: %(allowed)s."),
    code="status_not_allowed",
)
