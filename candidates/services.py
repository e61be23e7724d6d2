"""Every write to candidates, documents and applications."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from p2mi_portal.errors import Conflict, DomainError, NotFound
from programs.eligibility import evaluate_rules
from programs.models import DocumentKind, PlacementTrack, Program, RecruitmentState

from .consent import CONSENT_VERSION
from .models import (
    Application,
    ApplicationEvent,
    CandidateProfile,
    CompetencyCertificate,
    DeletionRequest,
    Document,
    DocumentStatus,
    LanguageSkill,
    Stage,
)
from .pipeline import MOVES, Actor, allowed_targets

logger = logging.getLogger(__name__)

ALLOWED_DOCUMENT_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


# --- Profile -------------------------------------------------------------------


def candidate_profile_ensure(*, user: User) -> CandidateProfile:
    """The candidate's profile, created empty on first use."""
    if user.role != Role.CANDIDATE:
        raise DomainError(_("Only candidate accounts have a candidate profile."), code="forbidden")
    profile, _created = CandidateProfile.objects.get_or_create(
        user=user, defaults={"full_name": user.full_name, "phone": user.phone}
    )
    return profile


# --- Documents -----------------------------------------------------------------


def _sniff_document(upload: UploadedFile) -> str:
    """The file's real type, judged by its first bytes; refuse anything else."""
    allowed = ", ".join(ALLOWED_DOCUMENT_TYPES.values())
    limit_mb = settings.DOCUMENT_MAX_BYTES / (1024 * 1024)
    if not upload.size:
        raise DomainError(
            _("The file is empty. Upload a %(allowed)s file.") % {"allowed": allowed},
            code="empty_file",
            fields={"file": [_("The file is empty.")]},
        )
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        message = _("The file is %(size).1f MB; at most %(limit).0f MB is allowed.") % {
            "size": upload.size / (1024 * 1024),
            "limit": limit_mb,
        }
        raise DomainError(message, code="file_too_large", fields={"file": [message]})
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_DOCUMENT_TYPES:
        message = _(
            "This file is not a PDF, JPEG or PNG document (whatever its name says). "
            "Scan or photograph the document and upload it as %(allowed)s."
        ) % {"allowed": allowed}
        raise DomainError(message, code="file_type_not_allowed", fields={"file": [message]})
    return kind.mime


@transaction.atomic
def document_upload(*, candidate: CandidateProfile, kind: str, upload: UploadedFile) -> Document:
    """Store a document, or replace the pending or rejected one of the same kind."""
    if kind not in DocumentKind.values:
        raise DomainError(
            _("Unknown document kind."), code="invalid_kind", fields={"kind": [_("Choose a kind.")]}
        )
    content_type = _sniff_document(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    existing = Document.objects.select_for_update().filter(candidate=candidate, kind=kind).first()
    if existing and existing.status == DocumentStatus.VERIFIED:
        raise Conflict(
            _("Your %(kind)s is already verified and cannot be replaced. Contact the ministry to change it.")
            % {"kind": DocumentKind(kind).label},
            code="document_verified",
        )
    document = existing or Document(candidate=candidate, kind=kind)
    old_file = existing.file.name if existing else None
    document.file.save(f"{kind}", upload, save=False)
    document.original_name = (upload.name or "")[:200]
    document.content_type = content_type
    document.size = upload.size
    document.sha256 = digest.hexdigest()
    document.status = DocumentStatus.PENDING
    document.rejection_reason = ""
    document.reviewed_by = None
    document.reviewed_at = None
    document.uploaded_at = timezone.now()
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError as exc:
        # Two first uploads of one kind at once: the constraint keeps one; drop this file.
        document.file.storage.delete(document.file.name)
        raise Conflict(
            _("You already uploaded a document of this kind. Reload the page to see it."),
            code="document_exists",
        ) from exc
    if old_file:
        storage = document.file.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    return document


@transaction.atomic
def document_review(*, document: Document, status: str, reason: str, actor: User) -> Document:
    """Staff mark a document verified, or rejected with a reason the candidate sees."""
    if not actor.is_ministry_staff:
        raise DomainError(_("Only ministry staff verify documents."), code="forbidden")
    if status not in {DocumentStatus.VERIFIED, DocumentStatus.REJECTED}:
        raise DomainError(_("Choose verified or rejected."), code="invalid_status")
    reason = (reason or "").strip()
    if status == DocumentStatus.REJECTED and not reason:
        raise DomainError(
            _("Give the reason for the rejection: the candidate sees it."),
            code="reason_required",
            fields={"rejection_reason": [_("This field is required.")]},
        )
    locked = Document.objects.select_for_update().get(pk=document.pk)
    locked.status = status
    locked.rejection_reason = reason if status == DocumentStatus.REJECTED else ""
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])
    return locked


# --- Applications --------------------------------------------------------------


def _role_of(actor: User | None) -> str:
    if actor is None:
        return Actor.SYSTEM
    if actor.is_ministry_staff:
        return Actor.STAFF
    return {Role.PARTNER: Actor.PARTNER, Role.CANDIDATE: Actor.CANDIDATE}.get(actor.role, "")


@transaction.atomic
def application_submit(
    *,
    candidate: CandidateProfile,
    program: Program,
    track: PlacementTrack | None,
    consent: bool,
    consent_version: str = CONSENT_VERSION,
) -> Application:
    """Apply to a programme while its recruitment is open and every rule is met.

    Two requests at once (a double click, two tabs) meet the unique constraint: the
    second gets a ``Conflict`` naming the application that already exists.
    """
    existing = Application.objects.filter(candidate=candidate, program=program).first()
    if existing:
        raise Conflict(_("You have already applied to this programme."), code="already_applied")
    if program.recruitment_state() != RecruitmentState.OPEN:
        raise Conflict(_("Recruitment for this programme is not open."), code="recruitment_not_open")
    errors: dict[str, list[str]] = {}
    if track is None or track.program_id != program.pk:
        errors["track"] = [_("Choose one of this programme's placement tracks.")]
    if not consent:
        errors["consent"] = [_("You must agree to the processing of your personal data to apply.")]
    if errors:
        raise DomainError(_("Please correct the marked fields."), code="invalid", fields=errors)
    unmet = [result for result in evaluate_rules(program, candidate) if not result.met]
    if unmet:
        raise Conflict(
            _("You do not meet every rule of this programme yet: %(rules)s")
            % {"rules": " ".join(str(result.missing) for result in unmet)},
            code="not_eligible",
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            application = Application.objects.create(
                candidate=candidate,
                program=program,
                preferred_track=track,
                consent_version=consent_version,
                consent_given_at=now,
                submitted_at=now,
            )
    except IntegrityError as exc:
        raise Conflict(_("You have already applied to this programme."), code="already_applied") from exc
    ApplicationEvent.objects.create(
        application=application,
        from_stage="",
        to_stage=Stage.SUBMITTED,
        actor=candidate.user,
        data={"track": track.pk, "consent_version": consent_version},
    )
    return application


@transaction.atomic
def application_move(
    *,
    application: Application,
    to_stage: str,
    actor: User | None,
    reason: str = "",
    data: Mapping[str, Any] | None = None,
) -> Application:
    """The one way an application changes stage: locked, checked, recorded."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    role = _role_of(actor)
    if role == Actor.CANDIDATE and locked.candidate.user_id != actor.pk:
        raise NotFound(_("Application not found."))
    move = MOVES.get((locked.stage, to_stage))
    if move is None or role not in move.roles:
        allowed = ", ".join(str(Stage(s).label) for s in allowed_targets(locked.stage, role)) or _("none")
        target = Stage(to_stage).label if to_stage in Stage.values else to_stage
        raise Conflict(
            _("This application is at “%(current)s” and cannot move to “%(target)s”. Allowed: %(allowed)s.")
            % {"current": Stage(locked.stage).label, "target": target, "allowed": allowed},
            code="move_not_allowed",
        )
    reason = (reason or "").strip()
    if move.needs_reason and not reason:
        raise DomainError(
            _("Give a reason for this move."),
            code="reason_required",
            fields={"reason": [_("This field is required.")]},
        )
    ApplicationEvent.objects.create(
        application=locked,
        from_stage=locked.stage,
        to_stage=to_stage,
        actor=actor,
        reason=reason,
        data=dict(data or {}),
    )
    locked.stage = to_stage
    locked.save(update_fields=["stage", "updated_at"])
    application.stage = locked.stage
    if not locked.is_active:
        deletion_requests_settle(candidate=locked.candidate)
    return locked


def application_withdraw(*, application: Application, actor: User, reason: str = "") -> Application:
    return application_move(application=application, to_stage=Stage.WITHDRAWN, actor=actor, reason=reason)


# --- Data rights (UU PDP) -------------------------------------------------------


ANONYMISED_NAME = "—"


@transaction.atomic
def candidate_anonymise(*, candidate: CandidateProfile) -> CandidateProfile:
    """Erase personal data; applications stay for statistics, without a person behind them."""
    locked = CandidateProfile.objects.select_for_update().get(pk=candidate.pk)
    if locked.anonymised_at:
        return locked
    files = [document.file.name for document in locked.documents.all()]
    locked.documents.all().delete()
    locked.certificates.all().delete()
    locked.languages.all().delete()
    for field in (
        "birth_place",
        "phone",
        "address",
        "regency",
        "school_name",
        "school_npsn",
        "passport_number",
    ):
        setattr(locked, field, "")
    locked.full_name = ANONYMISED_NAME
    locked.nik = None
    locked.birth_date = None
    locked.passport_expiry = None
    locked.anonymised_at = timezone.now()
    locked.save()
    # Free text the candidate wrote may name people or places; it goes too.
    ApplicationEvent.objects.filter(application__candidate=locked, actor=locked.user).update(reason="")
    locked.deletion_requests.update(reason="")
    user = locked.user
    user.email = f"deleted-{user.pk}@anonymised.invalid"
    user.full_name = ""
    user.phone = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    storage = Document.file.field.storage
    transaction.on_commit(lambda: [storage.delete(name) for name in files])
    logger.info("candidate %s anonymised", locked.pk)
    return locked


@transaction.atomic
def deletion_request_create(*, candidate: CandidateProfile, reason: str = "") -> DeletionRequest:
    """Withdraw consent: erase now if no active application needs the data, else when the last one ends."""
    request = DeletionRequest.objects.create(candidate=candidate, reason=(reason or "").strip())
    deletion_requests_settle(candidate=candidate)
    request.refresh_from_db()
    return request


@transaction.atomic
def deletion_requests_settle(*, candidate: CandidateProfile) -> None:
    """Carry out pending deletion requests once no application of the candidate is active."""
    pending = DeletionRequest.objects.select_for_update().filter(
        candidate=candidate, decision=DeletionRequest.Decision.PENDING
    )
    if not pending.exists():
        return
    if any(application.is_active for application in candidate.applications.all()):
        return
    candidate_anonymise(candidate=candidate)
    pending.update(decision=DeletionRequest.Decision.ANONYMISED, decided_at=timezone.now())


# --- Profile edits -------------------------------------------------------------


@transaction.atomic
def candidate_profile_update(*, candidate: CandidateProfile, data: Mapping[str, Any]) -> CandidateProfile:
    """Save the profile fields in ``data`` (already cleaned by the profile form)."""
    locked = CandidateProfile.objects.select_for_update().get(pk=candidate.pk)
    for field, value in data.items():
        setattr(locked, field, value)
    try:
        locked.full_clean(exclude=["user"])
        with transaction.atomic():
            locked.save()
    except IntegrityError as exc:
        # Two accounts saving the same NIK at once: the constraint decides.
        raise DomainError(
            _("This NIK is already registered to another account. If it is yours, contact KP2MI."),
            code="nik_taken",
            fields={
                "nik": [
                    _("This NIK is already registered to another account. If it is yours, contact KP2MI.")
                ]
            },
        ) from exc
    except ValidationError as exc:
        raise DomainError(
            _("Please correct the marked fields."), code="invalid", fields=exc.message_dict
        ) from exc
    if locked.user.full_name != locked.full_name or locked.user.phone != locked.phone:
        locked.user.full_name, locked.user.phone = locked.full_name, locked.phone
        locked.user.save(update_fields=["full_name", "phone"])
    return locked


def certificate_add(*, candidate: CandidateProfile, data: Mapping[str, Any]) -> CompetencyCertificate:
    certificate = CompetencyCertificate(candidate=candidate, **data)
    try:
        certificate.full_clean()
        with transaction.atomic():
            certificate.save()
    except (ValidationError, IntegrityError) as exc:
        raise DomainError(_("This certificate is already in your profile."), code="duplicate") from exc
    return certificate


def certificate_remove(*, candidate: CandidateProfile, certificate_id: int) -> None:
    if not CompetencyCertificate.objects.filter(candidate=candidate, pk=certificate_id).delete()[0]:
        raise NotFound(_("Certificate not found."))


def language_set(*, candidate: CandidateProfile, language: str, level: str) -> LanguageSkill:
    skill, _created = LanguageSkill.objects.update_or_create(
        candidate=candidate, language=language, defaults={"level": level}
    )
    return skill


def language_remove(*, candidate: CandidateProfile, skill_id: int) -> None:
    if not LanguageSkill.objects.filter(candidate=candidate, pk=skill_id).delete()[0]:
        raise NotFound(_("Language not found."))
