"""Writes to a candidate's own profile: personal details, certificates, languages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from p2mi_portal.errors import DomainError, Forbidden, NotFound
from p2mi_portal.guards import require_ministry_staff

from ..models import FINISHED_STAGES, ApplicationEvent, CandidateProfile, CompetencyCertificate, LanguageSkill
from ..selectors import proven_fields
from .documents import document_return_to_review


def candidate_profile_ensure(*, user: User) -> CandidateProfile:
    """The candidate's profile, created empty on first use."""
    if user.role != Role.CANDIDATE:
        raise Forbidden(_("Only candidate accounts have a candidate profile."))
    profile, _created = CandidateProfile.objects.get_or_create(
        user=user, defaults={"full_name": user.full_name, "phone": user.phone}
    )
    return profile


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, models.Model) or isinstance(new, models.Model):
        return getattr(old, "pk", old) == getattr(new, "pk", new)
    if isinstance(old, str) and isinstance(new, str):
        return " ".join(old.split()) == " ".join(new.split())
    return old == new


def _proven_by(documents) -> str:
    return ", ".join(str(document.get_kind_display()) for document in documents)


@transaction.atomic
def candidate_profile_update(*, candidate: CandidateProfile, data: Mapping[str, Any]) -> CandidateProfile:
    """Save the profile fields in ``data`` (already cleaned by the profile form).

    A field proven by a verified document (:mod:`candidates.proofs`) cannot be changed
    here: only staff correct it, with :func:`candidate_profile_correct`.
    """
    locked = CandidateProfile.objects.select_for_update().get(pk=candidate.pk)
    proven = proven_fields(locked)
    refused = {
        field: [
            _(
                "This is proven by your verified %(documents)s and can no longer be changed here. "
                "To correct it, file a complaint or contact KP2MI."
            )
            % {"documents": _proven_by(proven[field])}
        ]
        for field, value in data.items()
        if field in proven and not _same(getattr(locked, field), value)
    }
    if refused:
        raise DomainError(
            _("Some details are proven by verified documents and were not changed. Nothing was saved."),
            code="field_locked",
            fields=refused,
        )
    for field, value in data.items():
        setattr(locked, field, value)
    _profile_save(locked, changed=data.keys())
    return locked


def _profile_save(locked: CandidateProfile, *, changed) -> None:
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
    if {"passport_number", "passport_expiry"} & set(changed):
        # A renewed passport lifts the staff flag on the worker's placement at once.
        from placements.services import passport_flags_clear

        passport_flags_clear(candidate_id=locked.pk)


@transaction.atomic
def candidate_profile_correct(
    *, candidate: CandidateProfile, data: Mapping[str, Any], actor: User
) -> CandidateProfile:
    """Staff correct a candidate's profile, proven fields included.

    Each verified document proving a changed field goes back to review (through
    :func:`document_return_to_review`), and each active application's history records
    which fields changed and which documents are to be checked again — the names only,
    never the values (a NIK or passport number is personal data, and partners read the
    history).
    """
    require_ministry_staff(actor, _("Only ministry staff correct a candidate's profile."), superuser=True)
    locked = CandidateProfile.objects.select_for_update().get(pk=candidate.pk)
    proven = proven_fields(locked)
    changed = [field for field, value in data.items() if not _same(getattr(locked, field), value)]
    for field in changed:
        setattr(locked, field, data[field])
    _profile_save(locked, changed=changed)
    proven_changed = [field for field in changed if field in proven]
    if not proven_changed:
        return locked
    documents = {document.pk: document for field in proven_changed for document in proven[field]}
    for document in documents.values():
        document_return_to_review(document=document, actor=actor)
    kinds = sorted({document.kind for document in documents.values()})
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Profile corrected by staff: %(fields)s. Documents to verify again: %(documents)s.") % {
            "fields": ", ".join(
                str(CandidateProfile._meta.get_field(field).verbose_name) for field in proven_changed
            ),
            "documents": _proven_by(documents.values()),
        }
    for application in locked.applications.exclude(stage__in=FINISHED_STAGES):
        # Not a move: the stage stays (from = to), like a rescheduled interview.
        ApplicationEvent.objects.create(
            application=application,
            from_stage=application.stage,
            to_stage=application.stage,
            actor=actor,
            reason=reason,
            data={"profile_corrected": proven_changed, "documents_to_review": kinds},
        )
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
