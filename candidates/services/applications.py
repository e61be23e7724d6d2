"""Applying to a programme and moving an application through selection.

:func:`application_move` is the one writer of ``Application.stage``. It locks the
application, checks the move against :mod:`candidates.pipeline` and the actor's
role, keeps the seat counters of the placement tracks, records an
``ApplicationEvent`` and queues the candidate's notification — all in one
transaction. Every other function here (screening, bulk moves, offer expiry, the
waiting list) is built on it. Applying is in :mod:`.applying`, the seat counters in
:mod:`.seats`, bulk moves in :mod:`.bulk`, offers that run out in :mod:`.offers`.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.roles import role_of
from notifications.models import NotificationKind
from notifications.services import notification_queue
from p2mi_portal.errors import Conflict, DomainError, NotFound
from p2mi_portal.transitions import Actor
from programs.eligibility import RuleResult, evaluate_rules
from programs.models import PlacementTrack, Program
from programs.selectors import track_in_program

from ..models import (
    FINISHED_STAGES,
    Application,
    ApplicationEvent,
    Document,
    DocumentStatus,
    Interview,
    Stage,
)
from ..pipeline import STAGE_MACHINE
from ..selectors import partner_may_see, ranked
from .data_rights import deletion_requests_settle
from .seats import seats_settle

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InterviewSlot:
    starts_at: datetime.datetime
    interviewer: str
    place: str = ""
    online_link: str = ""


def _can_see(application: Application, actor: User | None, role: str) -> bool:
    if role in (Actor.STAFF, Actor.SYSTEM):
        return True
    if role == Actor.CANDIDATE:
        return application.candidate.user_id == actor.pk
    if role == Actor.PARTNER:
        return actor.partner_id is not None and partner_may_see(
            partner_id=actor.partner_id, application_id=application.pk
        )
    return False


# --- Moving --------------------------------------------------------------------
def _documents_problems(application: Application) -> list[str]:
    required = application.program.required_document_kinds
    verified = set(
        Document.objects.filter(
            candidate_id=application.candidate_id, kind__in=required, status=DocumentStatus.VERIFIED
        ).values_list("kind", flat=True)
    )
    labels = dict(zip(required, application.program.required_document_labels(), strict=False))
    return [str(labels.get(kind, kind)) for kind in required if kind not in verified]


# A deadline typed for "this time tomorrow" is still accepted a few minutes later.
OFFER_DEADLINE_SLACK = datetime.timedelta(minutes=5)


def _offer_deadline(program: Program, deadline: datetime.datetime | None) -> datetime.datetime:
    """The deadline to answer an offer: at least one day from now, at most the end (23:59 WIB)
    of the programme's last day to answer, which is also the deadline when none is given."""
    now = timezone.now()
    last_day = timezone.localdate(now) + datetime.timedelta(days=program.offer_response_days)
    latest = timezone.make_aware(datetime.datetime.combine(last_day, datetime.time(23, 59)))
    if deadline is None:
        return latest
    if timezone.is_naive(deadline):
        deadline = timezone.make_aware(deadline)
    earliest = now + datetime.timedelta(days=1)
    if deadline <= now:
        raise DomainError(
            _("The deadline to answer the offer must be in the future."),
            code="invalid",
            fields={"offer_deadline": [_("Choose a date and time in the future.")]},
        )
    if not earliest - OFFER_DEADLINE_SLACK <= deadline <= latest:
        window = {
            "earliest": date_format(timezone.localtime(earliest), "DATETIME_FORMAT"),
            "latest": date_format(timezone.localtime(latest), "DATETIME_FORMAT"),
            "days": program.offer_response_days,
        }
        message = (
            ngettext(
                "The deadline to answer the offer must lie between %(earliest)s and %(latest)s (WIB): "
                "at least one day from now, and at most the programme's %(days)d day to answer.",
                "The deadline to answer the offer must lie between %(earliest)s and %(latest)s (WIB): "
                "at least one day from now, and at most the programme's %(days)d days to answer.",
                program.offer_response_days,
            )
            % window
        )
        raise DomainError(message, code="invalid", fields={"offer_deadline": [message]})
    return deadline


def _checked_interview(slot: InterviewSlot | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if slot is None:
        raise DomainError(
            _("Give the interview's date and time, place or link, and interviewer."),
            code="invalid",
            fields={"interview": [_("This field is required.")]},
        )
    starts_at = slot.starts_at
    if starts_at is not None and timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if starts_at is None or starts_at <= timezone.now():
        errors["interview.starts_at"] = [_("Choose a date and time in the future.")]
    if not (slot.place or "").strip() and not (slot.online_link or "").strip():
        errors["interview.place"] = [_("Give a place or an online meeting link.")]
    if not (slot.interviewer or "").strip():
        errors["interview.interviewer"] = [_("Name the interviewer.")]
    if errors:
        raise DomainError(_("Please correct the interview details."), code="invalid", fields=errors)
    return {
        "starts_at": starts_at,
        "place": slot.place.strip(),
        "online_link": (slot.online_link or "").strip(),
        "interviewer": slot.interviewer.strip(),
    }


def _move_refused(application: Application, to_stage: str, role: str) -> Conflict:
    current = Stage(application.stage).label
    if application.stage == to_stage:
        return Conflict(
            _("This application is already at “%(current)s”.") % {"current": current},
            code="already_at_stage",
        )
    return STAGE_MACHINE.refusal(application.stage, to_stage, role)


_NOTIFICATION_KINDS = {
    Stage.INTERVIEW_SCHEDULED: NotificationKind.INTERVIEW_SCHEDULED,
    Stage.OFFERED: NotificationKind.SEAT_OFFERED,
}


@transaction.atomic
def application_move(
    *,
    application: Application,
    to_stage: str,
    actor: User | None,
    reason: str = "",
    track: PlacementTrack | None = None,
    offer_deadline: datetime.datetime | None = None,
    interview: InterviewSlot | None = None,
    data: Mapping[str, Any] | None = None,
    through: str = "",
) -> Application:
    """The one way an application changes stage: locked, checked, counted, recorded, notified.

    ``actor`` is ``None`` for the system (scheduled jobs, the waiting list). ``through``
    names the service making a move that follows its own record (training, placement).
    """
    locked = Application.objects.select_for_update().get(pk=application.pk)
    program = Program.objects.get(pk=locked.program_id)
    locked.program = program
    role = role_of(actor)
    if not _can_see(locked, actor, role):
        raise NotFound(_("Application not found."))
    if to_stage not in Stage.values:
        raise DomainError(
            _("Unknown stage."), code="invalid_stage", fields={"to": [_("Choose a stage from the list.")]}
        )
    move = STAGE_MACHINE.move(locked.stage, to_stage, role)
    if move is None:
        raise _move_refused(locked, to_stage, role)
    if move.through != through:
        raise Conflict(
            _(
                "“%(target)s” follows the training and placement records; "
                "record the training or the placement instead."
            )
            % {"target": Stage(to_stage).label},
            code="move_needs_record",
        )
    reason = (reason or "").strip()
    if move.needs_reason and not reason:
        raise DomainError(
            _("Give a reason for this move."),
            code="reason_required",
            fields={"reason": [_("This field is required.")]},
        )
    if track is not None and to_stage not in (Stage.OFFERED, Stage.WAITLISTED):
        raise DomainError(
            _("A track is chosen only when offering a seat or putting a candidate on the waiting list."),
            code="invalid",
            fields={"track": [_("Leave the track empty for this move.")]},
        )
    if track is not None and not track_in_program(track=track, program=program):
        raise DomainError(
            _("Choose one of this programme's placement tracks."),
            code="invalid",
            fields={"track": [_("Choose one of this programme's placement tracks.")]},
        )

    details = dict(data or {})
    now = timezone.now()
    new_track = locked.track
    offer_expires_at = None
    interview_details = None
    if to_stage == Stage.DOCUMENTS_VERIFIED:
        missing = _documents_problems(locked)
        if missing:
            raise Conflict(
                _("These required documents are not verified yet: %(documents)s.")
                % {"documents": ", ".join(missing)},
                code="documents_not_verified",
            )
    elif to_stage == Stage.INTERVIEW_SCHEDULED:
        interview_details = _checked_interview(interview)
        details["interview"] = {**interview_details, "starts_at": interview_details["starts_at"].isoformat()}
    elif to_stage in (Stage.OFFERED, Stage.WAITLISTED):
        new_track = track or locked.track or locked.preferred_track
        details["track"] = new_track.pk
        if to_stage == Stage.OFFERED:
            offer_expires_at = _offer_deadline(program, offer_deadline)
            details["offer_expires_at"] = offer_expires_at.isoformat()
    elif (locked.stage, to_stage) == (Stage.OFFERED, Stage.ACCEPTED) and locked.offer_expires_at <= now:
        raise Conflict(
            _("The offer expired on %(deadline)s and can no longer be accepted.")
            % {"deadline": date_format(timezone.localtime(locked.offer_expires_at), "DATETIME_FORMAT")},
            code="offer_expired",
        )

    freed = seats_settle(
        from_stage=locked.stage, to_stage=to_stage, old_track=locked.track, new_track=new_track
    )
    ApplicationEvent.objects.create(
        application=locked,
        from_stage=locked.stage,
        to_stage=to_stage,
        actor=actor,
        reason=reason,
        data=details,
    )
    if interview_details is not None:
        Interview.objects.update_or_create(
            application=locked, defaults={**interview_details, "scheduled_by": actor}
        )
    locked.stage = to_stage
    locked.track = new_track
    locked.offer_expires_at = offer_expires_at
    if to_stage == Stage.DOCUMENTS_VERIFIED and locked.documents_verified_at is None:
        # The first verification opens the application to the programme's partner, for good.
        locked.documents_verified_at = now
    locked.save(update_fields=["stage", "track", "offer_expires_at", "documents_verified_at", "updated_at"])
    application.stage, application.track, application.offer_expires_at = (
        locked.stage,
        locked.track,
        locked.offer_expires_at,
    )
    application.documents_verified_at = locked.documents_verified_at

    candidate_user_id = locked.candidate.user_id
    if actor is None or actor.pk != candidate_user_id:
        context = {
            "application_id": locked.pk,
            "program_id": program.pk,
            "stage": to_stage,
            "reason": reason,
            "expired": bool(details.get("expired")),
        }
        if new_track is not None and to_stage in (Stage.OFFERED, Stage.WAITLISTED):
            context["track_id"] = new_track.pk
        if offer_expires_at:
            context["offer_expires_at"] = offer_expires_at.isoformat()
            context["from_waitlist"] = bool(details.get("from_waitlist"))
        if interview_details:
            context.update({f"interview_{k}": v for k, v in details["interview"].items()})
        notification_queue(
            recipient=locked.candidate.user,
            kind=_NOTIFICATION_KINDS.get(to_stage, NotificationKind.STAGE_CHANGED),
            context=context,
        )
    if to_stage == Stage.ACCEPTED:
        # Imported here: placements builds on candidates, not the other way round.
        from placements.services import training_enrol

        training_enrol(application=locked)
    elif to_stage in FINISHED_STAGES:
        # Leaving the path closes whatever training or placement is still open, in this
        # transaction, so no record stays planned for someone who is no longer coming.
        from placements.services import records_close

        records_close(application=locked, actor=actor, reason=reason)
    if freed is not None:
        _offer_to_waitlist(track=freed)
    if not locked.is_active:
        deletion_requests_settle(candidate=locked.candidate)
    return locked


def _offer_to_waitlist(*, track: PlacementTrack) -> Application | None:
    """Offer a freed seat to the best-ranked candidate waitlisted for the track.

    Applications another transaction is moving right now are skipped rather than
    waited for: waiting could deadlock with a move that holds that application and
    wants this track.
    """
    waiting = ranked(
        Application.objects.select_for_update(skip_locked=True).filter(track=track, stage=Stage.WAITLISTED)
    ).first()
    if waiting is None:
        return None
    try:
        with transaction.atomic():
            return application_move(
                application=waiting,
                to_stage=Stage.OFFERED,
                actor=None,
                track=track,
                data={"from_waitlist": True},
            )
    except DomainError:
        logger.warning("seat freed on track %s not offered to application %s", track.pk, waiting.pk)
        return None


def application_withdraw(*, application: Application, actor: User, reason: str = "") -> Application:
    return application_move(application=application, to_stage=Stage.WITHDRAWN, actor=actor, reason=reason)


def application_answer_offer(*, application: Application, actor: User, accept: bool) -> Application:
    return application_move(
        application=application, to_stage=Stage.ACCEPTED if accept else Stage.DECLINED, actor=actor
    )


# Rules a candidate can meet by uploading: unmet, they make an application wait, not fail.
WAITING_RULES = frozenset({"documents"})


def unmet_rules(application: Application) -> list[RuleResult]:
    """The eligibility rules ``application`` does not meet that uploading cannot fix."""
    return [
        result
        for result in evaluate_rules(application.program, application.candidate)
        if not result.met and result.code not in WAITING_RULES
    ]


def documents_missing(application: Application) -> list[str]:
    """The required documents not verified yet (labels), for "waits for documents"."""
    return _documents_problems(application)


@transaction.atomic
def application_screen(*, application: Application, actor: User | None) -> Application:
    """Start screening, and stop at "not eligible" with the unmet rules when there are any.

    Documents still to upload are no reason to refuse: the application waits in
    screening for them (the candidates' closing reminder names what is missing).
    """
    screened = application_move(application=application, to_stage=Stage.SCREENING, actor=actor)
    unmet = unmet_rules(screened)
    if not unmet:
        return screened
    return application_move(
        application=screened,
        to_stage=Stage.INELIGIBLE,
        actor=actor,
        reason=" ".join(str(result.missing) for result in unmet),
        data={"unmet_rules": [result.code for result in unmet]},
    )
