"""The seat counters of the placement tracks, kept by every move of an application."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from p2mi_portal.errors import Conflict
from programs.models import PlacementTrack

from ..models import (
    SEAT_RESERVED_STAGES,
    SEAT_TAKEN_STAGES,
)


def seat_kind(stage: str) -> str | None:
    if stage in SEAT_RESERVED_STAGES:
        return "seats_reserved"
    if stage in SEAT_TAKEN_STAGES:
        return "seats_taken"
    return None


def no_seats(track: PlacementTrack) -> Conflict:
    return Conflict(
        _("No seats left on the track “%(track)s”: all %(seats)s are offered or taken.")
        % {"track": track.localized("name"), "seats": track.seats},
        code="no_seats",
    )


def seats_settle(
    *, from_stage: str, to_stage: str, old_track: PlacementTrack | None, new_track: PlacementTrack | None
) -> PlacementTrack | None:
    """Move the seat the application holds, if any; return the track where one was freed.

    The tracks involved are locked (in id order, so two moves never wait on each
    other crosswise) before their counters are read; the capacity constraint on
    the table refuses anything this check might miss.
    """
    old_kind, new_kind = seat_kind(from_stage), seat_kind(to_stage)
    old_id = old_track.pk if old_kind and old_track else None
    new_id = new_track.pk if new_kind and new_track else None
    if (old_kind, old_id) == (new_kind, new_id):
        return None
    tracks = {
        track.pk: track
        for track in PlacementTrack.objects.select_for_update()
        .filter(pk__in={pk for pk in (old_id, new_id) if pk})
        .order_by("pk")
    }
    deltas: dict[int, dict[str, int]] = {}
    if old_id:
        deltas.setdefault(old_id, {}).setdefault(old_kind, 0)
        deltas[old_id][old_kind] -= 1
    if new_id:
        deltas.setdefault(new_id, {}).setdefault(new_kind, 0)
        deltas[new_id][new_kind] += 1
        track = tracks[new_id]
        if old_id != new_id and not track.seats_free:
            raise no_seats(track)
    try:
        with transaction.atomic():
            for pk, changes in deltas.items():
                updates = {name: F(name) + delta for name, delta in changes.items() if delta}
                if updates:
                    PlacementTrack.objects.filter(pk=pk).update(**updates)
    except IntegrityError as exc:
        raise no_seats(tracks[new_id]) from exc
    return tracks[old_id] if old_id and old_id != new_id else None
