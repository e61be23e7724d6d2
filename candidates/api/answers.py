"""Building the API's answers: list rows with a keyset cursor, and an application in full."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.request import Request

from accounts.roles import role_of
from p2mi_portal.api import (
    decimal_text,
    invalid_cursor,
    iso,
)
from p2mi_portal.transitions import Actor

from .. import selectors
from ..models import Application, Review, ScoreRank
from ..pipeline import allowed_targets

# --- Building the answers -----------------------------------------------------------

SUMMARY_FIELDS = (
    "id",
    "program__code",
    "stage",
    "preferred_track_id",
    "track_id",
    "score_total",
    "submitted_at",
    "candidate__full_name",
    "candidate__province_id",
    "candidate__major__code",
    "candidate__graduation_year",
    "candidate__average_grade",
)


SCORE, SUBMITTED_AT = SUMMARY_FIELDS.index("score_total"), SUMMARY_FIELDS.index("submitted_at")


def summary_row(row: tuple) -> dict[str, Any]:
    """One list row, from a tuple in the order of ``SUMMARY_FIELDS``."""
    (
        pk,
        program,
        stage,
        preferred_track,
        track,
        score,
        submitted_at,
        full_name,
        province,
        major,
        graduation_year,
        average_grade,
    ) = row
    return {
        "id": pk,
        "program": program,
        "stage": stage,
        "preferred_track": preferred_track,
        "track": track,
        "score": decimal_text(score),
        "submitted_at": iso(submitted_at),
        "candidate": {
            "full_name": full_name,
            "province": province,
            "major": major,
            "graduation_year": graduation_year,
            "average_grade": decimal_text(average_grade),
        },
    }


def summary_of(application: Application) -> dict[str, Any]:
    row = Application.objects.filter(pk=application.pk).values_list(*SUMMARY_FIELDS).get()
    return summary_row(row)


def after_cursor(ordering: str, cursor: list[Any]) -> Q:
    """Rows after the cursor's row in ``ordering`` (scores: unscored last either way)."""
    if len(cursor) != 2 or not isinstance(cursor[1], int):
        raise invalid_cursor()
    value, last_id = cursor
    descending = ordering.startswith("-")
    id_after = Q(id__lt=last_id) if descending else Q(id__gt=last_id)
    if ordering.endswith("submitted_at"):
        try:
            moment = parse_datetime(value) if isinstance(value, str) else None
            if moment is not None:
                if timezone.is_naive(moment):
                    moment = timezone.make_aware(moment)
                moment.astimezone(datetime.UTC)  # a date the database can hold
        except (ValueError, OverflowError):
            moment = None
        if moment is None:
            raise invalid_cursor()
        beyond = Q(submitted_at__lt=moment) if descending else Q(submitted_at__gt=moment)
        return beyond | (Q(submitted_at=moment) & id_after)
    try:
        score = None if value is None else Decimal(str(value))
    except ArithmeticError:
        raise invalid_cursor() from None
    if score is not None and (not score.is_finite() or not Decimal("-1") <= score <= Decimal("100")):
        raise invalid_cursor()
    if descending:
        rank = Decimal("-1") if score is None else score
        return Q(score_rank__lt=rank) | (Q(score_rank=rank) & id_after)
    if score is None:
        return Q(score_total__isnull=True) & id_after
    return Q(score_total__gt=score) | (Q(score_total=score) & id_after) | Q(score_total__isnull=True)


def ordered(applications: QuerySet[Application], ordering: str) -> QuerySet[Application]:
    if ordering == "-submitted_at":
        return applications.order_by("-submitted_at", "-id")
    if ordering == "submitted_at":
        return applications.order_by("submitted_at", "id")
    if ordering == "-score":
        # The same expression as the (programme, stage, score) index.
        return applications.order_by(ScoreRank("score_total").desc(), "-id")
    return applications.order_by(F("score_total").asc(nulls_last=True), "id")


def filtered(applications: QuerySet[Application], params: dict[str, Any]) -> QuerySet[Application]:
    if "track" in params:
        applications = selectors.on_track(applications, track_id=params["track"])
    lookups = {
        "stage": "stage",
        "province": "candidate__province_id",
        "major": "candidate__major__code",
        "min_score": "score_total__gte",
        "search": "candidate__full_name__icontains",
    }
    return applications.filter(**{lookups[name]: params[name] for name in lookups if name in params})


def detail(request: Request, application: Application) -> dict[str, Any]:
    candidate = application.candidate
    partner_id = request.user.partner_id
    data = summary_of(application)
    interview = getattr(application, "interview", None)
    data.update(
        {
            "offer_expires_at": iso(application.offer_expires_at),
            "allowed_moves": [str(stage) for stage in allowed_targets(application.stage, Actor.PARTNER)],
            "profile": {
                "full_name": candidate.full_name,
                "nik": candidate.masked_nik,
                "sex": candidate.sex,
                "birth_date": iso(candidate.birth_date),
                "province": candidate.province.name if candidate.province else None,
                "regency": candidate.regency,
            },
            "school": {
                "name": candidate.school_name,
                "npsn": candidate.school_npsn,
                "education_level": candidate.education_level,
                "major": candidate.major.name if candidate.major else None,
                "graduation_year": candidate.graduation_year,
                "average_grade": decimal_text(candidate.average_grade),
            },
            "certificates": [
                {
                    "issuer": c.issuer,
                    "issuer_name": c.issuer_name,
                    "title": c.title,
                    "number": c.number,
                    "issued_on": iso(c.issued_on),
                }
                for c in candidate.certificates.all()
            ],
            "languages": [{"language": s.language, "level": s.level} for s in candidate.languages.all()],
            "scores": [
                {"criterion": s.criterion.name, "weight": s.criterion.weight, "value": decimal_text(s.value)}
                for s in application.scores.select_related("criterion").order_by(
                    "criterion__order", "criterion_id"
                )
            ],
            "reviews": [
                review_data(review)
                for review in application.reviews.filter(partner_id=partner_id).select_related("reviewer")
            ],
            "history": [
                {
                    "from_stage": e.from_stage,
                    "to_stage": e.to_stage,
                    "at": iso(e.created_at),
                    "by": role_of(e.actor) or Actor.SYSTEM,
                    "reason": e.reason,
                }
                for e in application.events.select_related("actor").order_by("created_at", "id")
            ],
            "interview": {
                "starts_at": iso(interview.starts_at),
                "place": interview.place,
                "online_link": interview.online_link,
                "interviewer": interview.interviewer,
            }
            if interview
            else None,
            "documents": [
                {
                    "id": d.pk,
                    "kind": d.kind,
                    "status": d.status,
                    "content_type": d.content_type,
                    "size": d.size,
                    "download_url": request.build_absolute_uri(
                        reverse("api:application-document", args=[application.pk, d.pk])
                    ),
                }
                for d in selectors.documents_for_partner(actor=request.user, application=application)
            ],
        }
    )
    return data


def review_data(review: Review) -> dict[str, Any]:
    return {
        "id": review.pk,
        "score": review.score,
        "recommendation": review.recommendation,
        "comment": review.comment,
        "reviewer": review.reviewer.get_full_name(),
        "created_at": iso(review.created_at),
    }
