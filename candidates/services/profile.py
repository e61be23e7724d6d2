"""Writes to a candidate's own profile: personal details, certificates, languages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from p2mi_portal.errors import DomainError, NotFound

from ..models import CandidateProfile, CompetencyCertificate, LanguageSkill


def candidate_profile_ensure(*, user: User) -> CandidateProfile:
    """The candidate's profile, created empty on first use."""
    if user.role != Role.CANDIDATE:
        raise DomainError(_("Only candidate accounts have a candidate profile."), code="forbidden")
    profile, _created = CandidateProfile.objects.get_or_create(
        user=user, defaults={"full_name": user.full_name, "phone": user.phone}
    )
    return profile


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
    if {"passport_number", "passport_expiry"} & data.keys():
        # A renewed passport lifts the staff flag on the worker's placement at once.
        from placements.services import passport_flags_clear

        passport_flags_clear(candidate_id=locked.pk)
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
