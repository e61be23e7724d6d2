"""What partner reviewers write: their reviews, and the log of their reads of personal data."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import PartnerAPIKey, Role, User
from p2mi_portal.errors import DomainError, NotFound

from ..models import Application, Document, PersonalDataAccess, Recommendation, Review
from ..pipeline import PARTNER_VISIBLE_STAGES


@transaction.atomic
def application_review_add(
    *, application: Application, reviewer: User, score: int, recommendation: str, comment: str = ""
) -> Review:
    """A partner's reviewer scores an application of one of the partner's programmes."""
    if reviewer.role != Role.PARTNER or reviewer.partner_id is None:
        raise DomainError(_("Only partner reviewers write partner reviews."), code="forbidden")
    if (
        application.program.employer_id != reviewer.partner_id
        or application.stage not in PARTNER_VISIBLE_STAGES
    ):
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
    return PersonalDataAccess.objects.create(
        partner_id=api_key.user.partner_id,
        api_key=api_key,
        key_prefix=api_key.prefix,
        application=application,
        document=document,
    )
