"""What partner reviewers write, and the log of reads of personal data by anyone but its owner."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import PartnerAPIKey, Role, User
from p2mi_portal.errors import DomainError, Forbidden, NotFound

from ..models import AccessDoor, Application, Document, PersonalDataAccess, Recommendation, Review
from ..selectors import partner_may_see


@transaction.atomic
def application_review_add(
    *, application: Application, reviewer: User, score: int, recommendation: str, comment: str = ""
) -> Review:
    """A partner's reviewer scores an application of one of the partner's programmes."""
    if reviewer.role != Role.PARTNER or reviewer.partner_id is None:
        raise Forbidden(_("Only partner reviewers write partner reviews."))
    if not partner_may_see(partner_id=reviewer.partner_id, application_id=application.pk):
        raise NotFound(_("Application not found."))
    errors: dict[str, list[str]] = {}
    if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 100:
        errors["score"] = [_("Give a score between 0 and 100.")]
    if recommendation not in Recommendation.values:
        errors["recommendation"] = [_("Choose recommend, neutral or not recommended.")]
    if errors:
        raise DomainError(_("Please correct the marked fields."), code="invalid", fields=errors)
    review = Review.objects.create(
        application=application,
        partner_id=reviewer.partner_id,
        reviewer=reviewer,
        score=score,
        recommendation=recommendation,
        comment=(comment or "").strip(),
    )
    review.refresh_from_db(fields=["created_at"])
    return review


def personal_data_access_record(
    *, api_key: PartnerAPIKey, application: Application, document: Document | None = None
) -> PersonalDataAccess:
    """A partner's read through the API of an application's details or one of its documents."""
    return PersonalDataAccess.objects.create(
        reader_id=api_key.user_id,
        door=AccessDoor.PARTNER_API,
        partner_id=api_key.user.partner_id,
        api_key=api_key,
        key_prefix=api_key.prefix,
        application=application,
        document=document,
    )


def document_read_record(*, reader: User, document: Document, door: str) -> PersonalDataAccess | None:
    """A read of a candidate's document on the portal, logged unless the reader is the candidate."""
    if document.candidate.user_id == reader.pk:
        return None
    return PersonalDataAccess.objects.create(
        reader=reader, door=door, partner_id=reader.partner_id, document=document
    )
