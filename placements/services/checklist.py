"""The pre-departure checklist: confirming, reopening and reminding."""

from __future__ import annotations

import datetime

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.models import Notification, NotificationKind
from p2mi_portal.errors import Conflict, invalid
from p2mi_portal.guards import require_ministry_staff

from ..models import (
    PLACEMENT_BEFORE_DEPARTURE_STATUSES,
    ChecklistItem,
    ChecklistItemKind,
    Placement,
    PlacementStatus,
)
from .common import (
    PLACEMENT_STAGES,
    day_text,
    locked_placement,
    notify_worker,
    require_stage,
)


def passport_problem(placement: Placement) -> str:
    """Why the passport item cannot be confirmed ("" when it can)."""
    candidate = placement.application.candidate
    if not candidate.passport_number or candidate.passport_expiry is None:
        return _("The worker's profile has no passport number and expiry date.")
    if candidate.passport_expiry < placement.contract_ends:
        return _("The passport expires on %(expiry)s, before the contract ends on %(end)s.") % {
            "expiry": day_text(candidate.passport_expiry),
            "end": day_text(placement.contract_ends),
        }
    return ""


@transaction.atomic
def checklist_confirm(
    *, item: ChecklistItem, actor: User, confirmed_on: datetime.date | None = None, note: str = ""
) -> ChecklistItem:
    """Staff confirm a pre-departure item with its date."""
    require_ministry_staff(actor)
    locked = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    placement = locked_placement(locked.placement)
    if placement.status not in PLACEMENT_BEFORE_DEPARTURE_STATUSES:
        raise Conflict(_("The checklist is closed once the worker has departed."), code="checklist_closed")
    require_stage(placement.application, PLACEMENT_STAGES)
    confirmed_on = confirmed_on or timezone.localdate()
    if confirmed_on > timezone.localdate():
        raise invalid("confirmed_on", _("The date cannot be in the future."))
    if locked.item == ChecklistItemKind.PASSPORT:
        problem = passport_problem(placement)
        if problem:
            raise Conflict(problem, code="passport_not_valid")
    locked.confirmed_on = confirmed_on
    locked.confirmed_by = actor
    locked.note = (note or "").strip()[:300]
    locked.save(update_fields=["confirmed_on", "confirmed_by", "note"])
    return locked


@transaction.atomic
def checklist_reopen(*, item: ChecklistItem, actor: User, note: str) -> ChecklistItem:
    """Open a confirmed item again (a visa refused, a health check to redo)."""
    require_ministry_staff(actor)
    locked = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    placement = locked_placement(locked.placement)
    if placement.status not in PLACEMENT_BEFORE_DEPARTURE_STATUSES:
        raise Conflict(_("The checklist is closed once the worker has departed."), code="checklist_closed")
    require_stage(placement.application, PLACEMENT_STAGES)
    if not (note or "").strip():
        raise invalid("note", _("Say why the item is open again."))
    locked.confirmed_on = None
    locked.confirmed_by = None
    locked.note = note.strip()[:300]
    locked.save(update_fields=["confirmed_on", "confirmed_by", "note"])
    return locked


def open_checklist_items(placement: Placement) -> list[ChecklistItem]:
    return [item for item in placement.checklist.all() if item.is_open]


def checklist_remind(*, placement: Placement) -> bool:
    """Tell the worker which pre-departure items are still open (nothing when none are)."""
    still_open = open_checklist_items(placement)
    if not still_open:
        return False
    notify_worker(
        placement.application,
        NotificationKind.CHECKLIST_OPEN,
        {"placement_id": placement.pk, "open_items": [item.item for item in still_open]},
    )
    return True


# Workers preparing to depart are reminded of their open items at most this often.
CHECKLIST_REMINDER_EVERY = datetime.timedelta(days=7)


def _reminded_since(placement_ids, since: datetime.datetime) -> set[int]:
    return set(
        Notification.objects.filter(
            kind=NotificationKind.CHECKLIST_OPEN,
            created_at__gt=since,
            context__placement_id__in=list(placement_ids),
        ).values_list("context__placement_id", flat=True)
    )


def checklists_remind(*, now: datetime.datetime | None = None) -> int:
    """Remind every worker preparing to depart whose checklist is not complete, once a week.

    Safe to run twice at once (or beside a retry): each placement is claimed under its
    row lock, skipped while another run holds it, and the week is checked again inside
    the lock, so the reminder a parallel run just committed is seen and not repeated.
    """
    now = now or timezone.now()
    since = now - CHECKLIST_REMINDER_EVERY
    preparing = list(
        Placement.objects.filter(status=PlacementStatus.PRE_DEPARTURE)
        .filter(
            models.Exists(ChecklistItem.objects.filter(placement=models.OuterRef("pk"), confirmed_on=None))
        )
        .values_list("pk", flat=True)
    )
    # One query for who was reminded lately, not one per placement; checked again under the lock.
    reminded_lately = _reminded_since(preparing, since)
    reminded = 0
    for placement_id in preparing:
        if placement_id in reminded_lately:
            continue
        with transaction.atomic():
            claimed = (
                Placement.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(pk=placement_id, status=PlacementStatus.PRE_DEPARTURE)
                .select_related("application__candidate__user")
                .first()
            )
            if claimed is None or _reminded_since([placement_id], since):
                continue
            reminded += checklist_remind(placement=claimed)
    return reminded
