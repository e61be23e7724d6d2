"""Placements: the contract, the pre-departure checklist, status, grades and passport checks."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PartnerAPIKey, User
from candidates.models import Application, Stage
from candidates.pipeline import PLACEMENTS
from candidates.services import application_move
from notifications.models import Notification, NotificationKind
from p2mi_portal.errors import Conflict, DomainError, invalid
from p2mi_portal.guards import require_ministry_staff
from programs.models import GradeLevel, Partner, PlacementTrack

from ..models import (
    PLACEMENT_ABROAD_STATUSES,
    PLACEMENT_BEFORE_DEPARTURE_STATUSES,
    PLACEMENT_FINAL_STATUSES,
    ChecklistItem,
    ChecklistItemKind,
    Enrolment,
    EnrolmentStatus,
    GradeChange,
    Placement,
    PlacementEvent,
    PlacementStatus,
)
from ..pipeline import PLACEMENT_MACHINE
from .common import (
    PLACEMENT_STAGES,
    add_months,
    check_placement_actor,
    date_in_range,
    day_text,
    locked_placement,
    notify_worker,
    out_of_range_message,
    require_stage,
)

# A worker may leave for the site up to this long before the contract starts, and the
# journey home may end this long after it ends; status dates outside are refused.
DEPARTURE_LEAD = datetime.timedelta(days=90)
RETURN_GRACE = datetime.timedelta(days=30)


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


def _ladder(placement: Placement) -> list[int]:
    return list(
        GradeLevel.objects.filter(program_id=placement.application.program_id)
        .order_by("grade")
        .values_list("grade", flat=True)
    )


@transaction.atomic
def placement_change_grade(
    *,
    placement: Placement,
    to_grade: Any,
    effective_on: datetime.date,
    actor: User | None,
    reason: str = "",
    api_key: PartnerAPIKey | None = None,
) -> GradeChange:
    """Move the worker one step up or down the programme's grade ladder from a date."""
    locked = locked_placement(placement)
    check_placement_actor(actor, locked)
    if locked.is_final:
        raise Conflict(_("The placement has ended; its grade no longer changes."), code="placement_ended")
    require_stage(locked.application, PLACEMENT_STAGES)
    ladder = _ladder(locked)
    if not ladder:
        raise Conflict(_("This programme has no grade ladder."), code="no_ladder")
    if not isinstance(to_grade, int) or isinstance(to_grade, bool) or to_grade not in ladder:
        raise invalid(
            "grade",
            _("Grade %(grade)s is not on the programme's ladder (%(low)s to %(high)s).")
            % {"grade": to_grade, "low": ladder[0], "high": ladder[-1]},
        )
    if not isinstance(effective_on, datetime.date):
        raise invalid("effective_on", _("Give the date the grade takes effect."))
    if not locked.contract_starts <= effective_on <= locked.contract_ends:
        raise invalid(
            "effective_on",
            _("The date must fall within the contract, from %(start)s to %(end)s.")
            % {"start": day_text(locked.contract_starts), "end": day_text(locked.contract_ends)},
        )
    latest = locked.grade_changes.order_by("-effective_on", "-id").first()
    current = latest.to_grade if latest else None
    if latest is not None and effective_on < latest.effective_on:
        raise invalid(
            "effective_on",
            _("The date cannot be before the last grade change, on %(last)s.")
            % {"last": day_text(latest.effective_on)},
        )
    if current is not None:
        if to_grade == current:
            raise Conflict(
                _("The worker is already at grade %(grade)s.") % {"grade": current}, code="same_grade"
            )
        step = abs(ladder.index(to_grade) - ladder.index(current))
        if step != 1:
            raise Conflict(
                _("Grades change one step at a time: from grade %(current)s the next can be %(options)s.")
                % {
                    "current": current,
                    "options": ", ".join(
                        str(ladder[i])
                        for i in (ladder.index(current) - 1, ladder.index(current) + 1)
                        if 0 <= i < len(ladder)
                    ),
                },
                code="grade_step",
            )
    change = GradeChange.objects.create(
        placement=locked,
        from_grade=current,
        to_grade=to_grade,
        effective_on=effective_on,
        reason=(reason or "").strip()[:300],
        actor=actor,
        api_key=api_key,
    )
    change.refresh_from_db(fields=["created_at"])
    locked.grade = to_grade
    locked.save(update_fields=["grade", "updated_at"])
    return change
