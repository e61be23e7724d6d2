"""Passports that expire before the contract ends: flagged for staff, and cleared."""

from __future__ import annotations

import datetime

from django.db import models, transaction
from django.utils import timezone

from notifications.models import NotificationKind

from ..models import (
    PLACEMENT_FINAL_STATUSES,
    Placement,
)
from .common import (
    notify_worker,
)


def _passport_outlasted() -> models.Q:
    return (
        models.Q(application__candidate__passport_expiry__isnull=True)
        | models.Q(application__candidate__passport_number="")
        | models.Q(application__candidate__passport_expiry__lt=models.F("contract_ends"))
    )


def passport_flags_clear(*, candidate_id: int | None = None) -> int:
    """Lift the flag of every running placement whose passport now lasts the whole contract.

    Called when a worker's profile is saved (their placements only) and by the daily job
    (all), so staff filtering by the flag see only passports still to be renewed.
    """
    placements = Placement.objects.filter(passport_flagged_at__isnull=False).exclude(
        status__in=PLACEMENT_FINAL_STATUSES
    )
    if candidate_id is not None:
        placements = placements.filter(application__candidate_id=candidate_id)
    return placements.exclude(_passport_outlasted()).update(
        passport_flagged_at=None, updated_at=timezone.now()
    )


def passports_flag(*, now: datetime.datetime | None = None) -> int:
    """Flag, once per placement, every running contract that outlasts the worker's passport.

    The worker is reminded to renew it and staff see the flag on the placement list. Safe to
    run twice at once: each placement is claimed under its row lock (skipped while another
    run holds it) and every condition is read again inside the lock. A flag whose passport
    has since been renewed is lifted first, so a later expiry is flagged again.
    """
    now = now or timezone.now()
    passport_flags_clear()

    def unflagged():
        return (
            Placement.objects.exclude(status__in=PLACEMENT_FINAL_STATUSES)
            .filter(passport_flagged_at__isnull=True)
            .filter(_passport_outlasted())
        )

    flagged = 0
    for placement_id in list(unflagged().values_list("pk", flat=True)):
        with transaction.atomic():
            locked = (
                unflagged()
                .select_for_update(of=("self",), skip_locked=True)
                .filter(pk=placement_id)
                .select_related("application__candidate__user")
                .first()
            )
            if locked is None:
                continue
            locked.passport_flagged_at = now
            locked.save(update_fields=["passport_flagged_at", "updated_at"])
            candidate = locked.application.candidate
            # Without a number the expiry date alone says nothing; both are asked for.
            expiry = candidate.passport_expiry if candidate.passport_number else None
            notify_worker(
                locked.application,
                NotificationKind.PASSPORT_EXPIRING,
                {
                    "placement_id": locked.pk,
                    "passport_expiry": expiry.isoformat() if expiry else "",
                    "contract_ends": locked.contract_ends.isoformat(),
                },
            )
            flagged += 1
    return flagged
