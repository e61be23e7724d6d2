# Kept whole: one subject, the training path of an enrolment, each step checking the last.
"""Training: enrolments in the programme's phases, assessments, pass rules, certificates."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PartnerAPIKey, User
from candidates.models import Application, Stage
from candidates.pipeline import PLACEMENTS
from candidates.services import application_move
from candidates.services.documents import uploaded_file_type
from notifications.models import NotificationKind
from p2mi_portal.errors import Conflict, DomainError, invalid
from p2mi_portal.guards import require_ministry_staff
from programs.models import TrainingPhase

from ..models import (
    Assessment,
    AssessmentKind,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    LanguageLevel,
)
from .common import (
    CERTIFICATE_STAGES,
    TRAINING_PLANNING_STAGES,
    TRAINING_STAGES,
    add_months,
    check_training_actor,
    date_in_range,
    day_text,
    locked_enrolment,
    notify_worker,
    out_of_range_message,
    plain_number,
    require_stage,
)

# --- Training ---------------------------------------------------------------------------


@transaction.atomic
def training_enrol(*, application: Application) -> list[Enrolment]:
    """Enrol an accepted worker in every phase of the programme, planned back to back.

    The first phase is planned from the programme's target departure (or today, for a
    late acceptance); each next one from the end of the one before. A phase with one
    field of study has it set; with several, staff choose one per worker. An application
    accepted again after a rejection was reopened finds its phases discontinued before
    they started; they are planned afresh.
    """
    program = application.program
    phases = list(TrainingPhase.objects.filter(program=program).order_by("order"))
    existing = {
        enrolment.phase_id: enrolment
        for enrolment in Enrolment.objects.select_for_update(of=("self",)).filter(application=application)
    }
    start = max(program.target_departure, timezone.localdate())
    enrolments = []
    for phase in phases:
        end = add_months(start, phase.months)
        earlier = existing.get(phase.pk)
        if earlier is not None and _never_started(earlier):
            earlier.status = EnrolmentStatus.PLANNED
            earlier.starts_on, earlier.ends_on = start, end
            earlier.outcome_reason, earlier.decided_at, earlier.decided_by = "", None, None
            earlier.save(
                update_fields=[
                    "status",
                    "starts_on",
                    "ends_on",
                    "outcome_reason",
                    "decided_at",
                    "decided_by",
                    "updated_at",
                ]
            )
            enrolments.append(earlier)
        elif earlier is None:
            fields = phase.fields_of_study or []
            enrolments.append(
                Enrolment.objects.create(
                    application=application,
                    phase=phase,
                    field_of_study=fields[0] if len(fields) == 1 else "",
                    starts_on=start,
                    ends_on=end,
                )
            )
        start = end
    return enrolments


def _never_started(enrolment: Enrolment) -> bool:
    """Discontinued while planned: nothing was ever recorded on it."""
    return (
        enrolment.status == EnrolmentStatus.DISCONTINUED
        and enrolment.attendance is None
        and not enrolment.language_level
        and not enrolment.assessments.exists()
        and not enrolment.certificates.exists()
    )


@transaction.atomic
def enrolment_choose_field(*, enrolment: Enrolment, field: str, actor: User) -> Enrolment:
    require_ministry_staff(actor)
    locked = locked_enrolment(enrolment)
    choices = locked.phase.fields_of_study or []
    if field not in choices:
        labels = ", ".join(str(label) for label in locked.phase.field_labels())
        raise invalid(
            "field_of_study",
            _("Choose one of this phase's fields of study: %(fields)s.") % {"fields": labels or _("none")},
        )
    if locked.status not in (EnrolmentStatus.PLANNED, EnrolmentStatus.IN_PROGRESS):
        raise Conflict(_("The field of study of a finished phase cannot change."), code="phase_finished")
    require_stage(locked.application, TRAINING_PLANNING_STAGES)
    locked.field_of_study = field
    locked.save(update_fields=["field_of_study", "updated_at"])
    return locked


def _earlier_unpassed(enrolment: Enrolment) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(
            application_id=enrolment.application_id, phase__order__lt=enrolment.phase.order
        )
        .exclude(status=EnrolmentStatus.PASSED)
        .select_related("phase")
    )


@transaction.atomic
def enrolment_start(
    *, enrolment: Enrolment, actor: User | None, starts_on: datetime.date | None = None
) -> Enrolment:
    """Start a planned phase once every earlier one is passed; the first puts the worker in training."""
    locked = locked_enrolment(enrolment)
    check_training_actor(actor, locked.application, moves_stage=locked.application.stage == Stage.ACCEPTED)
    if locked.status != EnrolmentStatus.PLANNED:
        raise Conflict(
            _("This phase is “%(status)s”; only a planned phase can start.")
            % {"status": locked.get_status_display()},
            code="phase_not_planned",
        )
    require_stage(locked.application, TRAINING_PLANNING_STAGES)
    earlier = _earlier_unpassed(locked)
    if earlier:
        raise Conflict(
            _("Pass the earlier phases first: %(phases)s.")
            % {"phases": ", ".join(str(e.phase) for e in earlier)},
            code="earlier_phase_open",
        )
    if len(locked.phase.fields_of_study or []) > 1 and not locked.field_of_study:
        raise Conflict(
            _("Choose the worker's field of study for “%(phase)s” before it starts.")
            % {"phase": locked.phase.localized("title")},
            code="field_not_chosen",
        )
    if starts_on is not None and not date_in_range(starts_on):
        raise invalid("starts_on", out_of_range_message())
    if starts_on is not None and starts_on != locked.starts_on:
        locked.starts_on = starts_on
        locked.ends_on = add_months(starts_on, locked.phase.months)
    locked.status = EnrolmentStatus.IN_PROGRESS
    locked.save(update_fields=["status", "starts_on", "ends_on", "updated_at"])
    application = locked.application
    if application.stage == Stage.ACCEPTED:
        application_move(application=application, to_stage=Stage.IN_TRAINING, actor=actor, through=PLACEMENTS)
    return locked


def _checked_percent(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise invalid(field, _("Give a percentage from 0 to 100.")) from None
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(100):
        raise invalid(field, _("Give a percentage from 0 to 100."))
    return number.quantize(Decimal("0.01"))


@transaction.atomic
def enrolment_record_progress(
    *,
    enrolment: Enrolment,
    actor: User | None,
    attendance: Any = None,
    language_level: str | None = None,
) -> Enrolment:
    """Record attendance so far and the language level reached."""
    locked = locked_enrolment(enrolment)
    check_training_actor(actor, locked.application)
    if locked.status != EnrolmentStatus.IN_PROGRESS:
        raise Conflict(_("Progress is recorded only for a phase in progress."), code="phase_not_in_progress")
    require_stage(locked.application, TRAINING_STAGES)
    if attendance is not None:
        locked.attendance = _checked_percent(attendance, "attendance")
    if language_level is not None:
        if language_level and language_level not in LanguageLevel.values:
            raise invalid("language_level", _("Choose a language level from the list."))
        locked.language_level = language_level
    locked.save(update_fields=["attendance", "language_level", "updated_at"])
    return locked


def _checked_score(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise invalid(field, _("Give a number.")) from None
    if not number.is_finite() or number.as_tuple().exponent < -2 or abs(number) >= 10_000:
        raise invalid(field, _("Give a number below 10,000 with at most two decimals."))
    return number


@transaction.atomic
def assessment_record(
    *,
    enrolment: Enrolment,
    actor: User | None,
    taken_on: datetime.date,
    kind: str,
    score: Any,
    pass_mark: Any,
    max_score: Any = 100,
    note: str = "",
    api_key: PartnerAPIKey | None = None,
) -> Assessment:
    """Record an assessment of a phase in progress; the worker is told the result."""
    locked = locked_enrolment(enrolment)
    check_training_actor(actor, locked.application)
    if locked.status != EnrolmentStatus.IN_PROGRESS:
        raise Conflict(
            _("This phase is “%(status)s”; assessments are recorded only while it is in progress.")
            % {"status": locked.get_status_display()},
            code="phase_not_in_progress",
        )
    require_stage(locked.application, TRAINING_STAGES)
    errors: dict[str, list[str]] = {}
    if kind not in AssessmentKind.values:
        errors["kind"] = [_("Choose a kind of assessment from the list.")]
    today = timezone.localdate()
    if not isinstance(taken_on, datetime.date):
        errors["taken_on"] = [_("Give the date of the assessment.")]
    elif taken_on > today:
        errors["taken_on"] = [_("The assessment date cannot be in the future.")]
    elif not locked.starts_on <= taken_on <= locked.ends_on:
        errors["taken_on"] = [
            _("The date must fall within the phase, from %(start)s to %(end)s.")
            % {"start": day_text(locked.starts_on), "end": day_text(locked.ends_on)}
        ]
    values: dict[str, Decimal] = {}
    for name, raw in (("score", score), ("pass_mark", pass_mark), ("max_score", max_score)):
        try:
            values[name] = _checked_score(raw, name)
        except DomainError as exc:
            errors.update(exc.fields)
    if "max_score" in values and values["max_score"] <= 0:
        errors["max_score"] = [_("The highest possible score must be more than zero.")]
    elif "max_score" in values:
        top = values["max_score"]
        for name in ("score", "pass_mark"):
            if name in values and not Decimal(0) <= values[name] <= top:
                errors[name] = [_("Give a value from 0 to %(max)s.") % {"max": top}]
    if errors:
        raise DomainError(_("Please correct the marked fields."), code="invalid", fields=errors)
    assessment = Assessment.objects.create(
        enrolment=locked,
        taken_on=taken_on,
        kind=kind,
        score=values["score"],
        pass_mark=values["pass_mark"],
        max_score=values["max_score"],
        passed=values["score"] >= values["pass_mark"],
        note=(note or "").strip()[:300],
        recorded_by=actor,
        recorded_with_key=api_key,
    )
    assessment.refresh_from_db(fields=["created_at"])
    notify_worker(
        locked.application,
        NotificationKind.TRAINING_RESULT,
        {
            "enrolment_id": locked.pk,
            "phase_title": locked.phase.title,
            "phase_title_en": locked.phase.title_en,
            "assessment_kind": kind,
            "score": str(assessment.score),
            "max_score": str(assessment.max_score),
            "passed": assessment.passed,
        },
    )
    return assessment


def pass_rule_problems(enrolment: Enrolment) -> list[str]:
    """What keeps a phase from being passed (empty when its rules hold)."""
    phase = enrolment.phase
    problems = []
    if enrolment.attendance is None:
        problems.append(_("attendance is not recorded"))
    elif enrolment.attendance < phase.min_attendance:
        problems.append(
            _("attendance is %(attendance)s%%, below the required %(minimum)s%%")
            % {"attendance": plain_number(enrolment.attendance), "minimum": phase.min_attendance}
        )
    if phase.final_assessment_required:
        final = enrolment.assessments.filter(kind=AssessmentKind.FINAL).order_by("-taken_on", "-id").first()
        if final is None:
            problems.append(_("no final assessment is recorded"))
        elif not final.passed:
            problems.append(
                _("the last final assessment (%(score)s, pass mark %(pass_mark)s) was not passed")
                % {"score": plain_number(final.score), "pass_mark": plain_number(final.pass_mark)}
            )
    return problems


@transaction.atomic
def enrolment_pass(
    *, enrolment: Enrolment, actor: User | None, language_level: str | None = None
) -> Enrolment:
    """Mark a phase passed when its pass rules hold, and start the next phase."""
    locked = locked_enrolment(enrolment)
    check_training_actor(actor, locked.application)
    if locked.status != EnrolmentStatus.IN_PROGRESS:
        raise Conflict(
            _("This phase is “%(status)s”; only a phase in progress can be passed.")
            % {"status": locked.get_status_display()},
            code="phase_not_in_progress",
        )
    require_stage(locked.application, TRAINING_STAGES)
    if language_level:
        if language_level not in LanguageLevel.values:
            raise invalid("language_level", _("Choose a language level from the list."))
        locked.language_level = language_level
    problems = pass_rule_problems(locked)
    if problems:
        raise Conflict(
            _("“%(phase)s” cannot be passed: %(problems)s.")
            % {"phase": locked.phase.localized("title"), "problems": "; ".join(problems)},
            code="pass_rules_not_met",
        )
    locked.status = EnrolmentStatus.PASSED
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.save(update_fields=["status", "language_level", "decided_at", "decided_by", "updated_at"])
    following = (
        Enrolment.objects.filter(
            application_id=locked.application_id,
            phase__order__gt=locked.phase.order,
            status=EnrolmentStatus.PLANNED,
        )
        .select_related("phase")
        .order_by("phase__order")
        .first()
    )
    next_started = None
    if following is not None and not (
        len(following.phase.fields_of_study or []) > 1 and not following.field_of_study
    ):
        next_started = enrolment_start(enrolment=following, actor=actor, starts_on=timezone.localdate())
    notify_worker(
        locked.application,
        NotificationKind.TRAINING_RESULT,
        {
            "enrolment_id": locked.pk,
            "phase_title": locked.phase.title,
            "phase_title_en": locked.phase.title_en,
            "phase_passed": True,
            "next_phase_title": following.phase.title if following else "",
            "next_phase_title_en": following.phase.title_en if following else "",
            "next_starts_on": next_started.starts_on.isoformat() if next_started else "",
        },
    )
    return locked


@transaction.atomic
def enrolment_end_early(*, enrolment: Enrolment, actor: User | None, status: str, reason: str) -> Enrolment:
    """Record a failed or discontinued phase; the worker leaves training (stage "discontinued")."""
    if status not in (EnrolmentStatus.FAILED, EnrolmentStatus.DISCONTINUED):
        raise invalid("status", _("Choose failed or discontinued."))
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", _("Give a reason."))
    locked = locked_enrolment(enrolment)
    check_training_actor(actor, locked.application, moves_stage=True)
    allowed = (
        {EnrolmentStatus.IN_PROGRESS}
        if status == EnrolmentStatus.FAILED
        else {EnrolmentStatus.PLANNED, EnrolmentStatus.IN_PROGRESS}
    )
    if locked.status not in allowed:
        raise Conflict(
            _("This phase is “%(status)s” and cannot be marked “%(target)s”.")
            % {"status": locked.get_status_display(), "target": EnrolmentStatus(status).label},
            code="phase_finished",
        )
    require_stage(locked.application, TRAINING_PLANNING_STAGES)
    now = timezone.now()
    locked.status = status
    locked.outcome_reason = reason
    locked.decided_at = now
    locked.decided_by = actor
    locked.save(update_fields=["status", "outcome_reason", "decided_at", "decided_by", "updated_at"])
    # Whatever else is still open ends with it: the worker leaves training altogether.
    Enrolment.objects.filter(
        application_id=locked.application_id,
        status__in=[EnrolmentStatus.PLANNED, EnrolmentStatus.IN_PROGRESS],
    ).exclude(pk=locked.pk).update(
        status=EnrolmentStatus.DISCONTINUED,
        outcome_reason=_("Training ended: %(reason)s") % {"reason": reason},
        decided_at=now,
        decided_by=actor,
        updated_at=now,
    )
    application = locked.application
    if application.stage in (Stage.ACCEPTED, Stage.IN_TRAINING):
        if application.stage == Stage.ACCEPTED:
            application_move(
                application=application, to_stage=Stage.IN_TRAINING, actor=actor, through=PLACEMENTS
            )
        application_move(
            application=application,
            to_stage=Stage.DISCONTINUED,
            actor=actor,
            reason=_("%(phase)s: %(status)s. %(reason)s")
            % {"phase": locked.phase.title, "status": EnrolmentStatus(status).label, "reason": reason},
            through=PLACEMENTS,
            data={"enrolment": locked.pk, "status": status},
        )
    return locked


@transaction.atomic
def certificate_add(
    *,
    enrolment: Enrolment,
    actor: User | None,
    issuer: str,
    number: str,
    issued_on: datetime.date,
    upload=None,
) -> Certificate:
    """Record a certificate earned in a phase, with its scan checked like any upload."""
    locked = locked_enrolment(enrolment)
    check_training_actor(actor, locked.application)
    require_stage(locked.application, CERTIFICATE_STAGES)
    errors: dict[str, list[str]] = {}
    if not (issuer or "").strip():
        errors["issuer"] = [_("Name the issuer.")]
    if not (number or "").strip():
        errors["number"] = [_("Give the certificate number.")]
    if not isinstance(issued_on, datetime.date) or issued_on > timezone.localdate():
        errors["issued_on"] = [_("Give the date of issue; it cannot be in the future.")]
    if errors:
        raise DomainError(_("Please correct the marked fields."), code="invalid", fields=errors)
    certificate = Certificate(
        enrolment=locked,
        issuer=issuer.strip()[:150],
        number=number.strip()[:80],
        issued_on=issued_on,
        recorded_by=actor,
    )
    if upload is not None:
        certificate.content_type = uploaded_file_type(upload)
        certificate.file.save("certificate", upload, save=False)
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError:
        if certificate.file:
            certificate.file.delete(save=False)
        raise Conflict(
            _("This issuer's certificate with this number is already recorded."), code="duplicate_certificate"
        ) from None
    return certificate
