"""Partner API: the applications to a partner's programmes, reviews and stage moves.

A partner sees an application from "documents verified" on, and only for the
programmes it employs for; anything else answers 404 exactly like a missing object.
List pages are built from plain rows (``values()``) with a keyset cursor, so their
cost does not grow with the page size or the depth of the page.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import role_of
from p2mi_portal.api import (
    BAD_REQUEST,
    CONFLICT,
    NOT_FOUND,
    THROTTLED,
    UNAUTHORIZED,
    Cursor,
    ErrorSerializer,
    Unavailable,
    decimal_text,
    invalid_cursor,
    iso,
    keyset_page,
    validated,
)
from p2mi_portal.errors import DomainError
from p2mi_portal.transitions import Actor
from programs.selectors import program_tracks

from . import selectors, services
from .models import Application, Recommendation, Review, ScoreRank, Stage
from .pipeline import PARTNER_VISIBLE_STAGES, allowed_targets

logger = logging.getLogger(__name__)

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 100
ORDERINGS = ("-submitted_at", "submitted_at", "-score", "score")
VISIBLE_STAGE_CHOICES = [(stage.value, stage.label) for stage in Stage if stage in PARTNER_VISIBLE_STAGES]


# --- Serializers: input -----------------------------------------------------------


class DateTimeField(serializers.DateTimeField):
    """A date and time (WIB when no offset is given) that refuses years the portal cannot hold."""

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")


class ApplicationFilter(serializers.Serializer):
    program = serializers.SlugField(required=False, max_length=60, help_text="Programme code.")
    stage = serializers.ChoiceField(choices=VISIBLE_STAGE_CHOICES, required=False)
    track = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Track id: the assigned track, or the preferred one while none is assigned.",
    )
    province = serializers.RegexField(r"^\d{2}$", required=False, help_text="Two-digit province code.")
    major = serializers.SlugField(required=False, max_length=60, help_text="SMK major code.")
    min_score = serializers.DecimalField(
        required=False, max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    search = serializers.CharField(required=False, max_length=100, help_text="Part of the candidate's name.")
    ordering = serializers.ChoiceField(choices=ORDERINGS, required=False, default="-submitted_at")
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=PAGE_SIZE_MAX, default=PAGE_SIZE_DEFAULT
    )
    cursor = serializers.CharField(required=False, max_length=200)


class ReviewIn(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=100)
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class InterviewIn(serializers.Serializer):
    starts_at = DateTimeField(help_text="ISO 8601; without an offset the time is read as WIB.")
    place = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    online_link = serializers.URLField(required=False, allow_blank=True, max_length=200, default="")
    interviewer = serializers.CharField(max_length=150)


class TransitionIn(serializers.Serializer):
    to = serializers.ChoiceField(choices=Stage.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    track = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    interview = InterviewIn(required=False, allow_null=True)
    offer_deadline = DateTimeField(
        required=False, allow_null=True, help_text="ISO 8601; without an offset the time is read as WIB."
    )


# --- Serializers: output (the documented shapes) --------------------------------------


class CandidateSummaryOut(serializers.Serializer):
    full_name = serializers.CharField()
    province = serializers.CharField(allow_null=True)
    major = serializers.CharField(allow_null=True)
    graduation_year = serializers.IntegerField(allow_null=True)
    average_grade = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class ApplicationSummaryOut(serializers.Serializer):
    id = serializers.IntegerField()
    program = serializers.CharField()
    stage = serializers.ChoiceField(choices=Stage.choices)
    preferred_track = serializers.IntegerField()
    track = serializers.IntegerField(allow_null=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    submitted_at = serializers.DateTimeField()
    candidate = CandidateSummaryOut()


class ApplicationPageOut(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = ApplicationSummaryOut(many=True)


class ProfileOut(serializers.Serializer):
    full_name = serializers.CharField()
    nik = serializers.CharField(help_text="Masked.")
    sex = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    province = serializers.CharField(allow_null=True)
    regency = serializers.CharField()


class SchoolOut(serializers.Serializer):
    name = serializers.CharField()
    npsn = serializers.CharField()
    education_level = serializers.CharField()
    major = serializers.CharField(allow_null=True)
    graduation_year = serializers.IntegerField(allow_null=True)
    average_grade = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class CertificateOut(serializers.Serializer):
    issuer = serializers.CharField()
    issuer_name = serializers.CharField()
    title = serializers.CharField()
    number = serializers.CharField()
    issued_on = serializers.DateField()


class LanguageOut(serializers.Serializer):
    language = serializers.CharField()
    level = serializers.CharField()


class ScoreOut(serializers.Serializer):
    criterion = serializers.CharField()
    weight = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=5, decimal_places=2)


class ReviewOut(serializers.Serializer):
    id = serializers.IntegerField()
    score = serializers.IntegerField()
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    comment = serializers.CharField()
    reviewer = serializers.CharField()
    created_at = serializers.DateTimeField()


class EventOut(serializers.Serializer):
    from_stage = serializers.CharField()
    to_stage = serializers.CharField()
    at = serializers.DateTimeField()
    by = serializers.ChoiceField(choices=["staff", "partner", "candidate", "system"])
    reason = serializers.CharField()


class InterviewOut(serializers.Serializer):
    starts_at = DateTimeField()
    place = serializers.CharField()
    online_link = serializers.CharField()
    interviewer = serializers.CharField()


class DocumentOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    download_url = serializers.URLField()


class ApplicationDetailOut(ApplicationSummaryOut):
    offer_expires_at = serializers.DateTimeField(allow_null=True)
    allowed_moves = serializers.ListField(child=serializers.CharField())
    profile = ProfileOut()
    school = SchoolOut()
    certificates = CertificateOut(many=True)
    languages = LanguageOut(many=True)
    scores = ScoreOut(many=True)
    reviews = ReviewOut(many=True)
    history = EventOut(many=True)
    interview = InterviewOut(allow_null=True)
    documents = DocumentOut(many=True)


# --- Building the answers -----------------------------------------------------------

_SUMMARY_FIELDS = (
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


_SCORE, _SUBMITTED_AT = _SUMMARY_FIELDS.index("score_total"), _SUMMARY_FIELDS.index("submitted_at")


def _summary(row: tuple) -> dict[str, Any]:
    """One list row, from a tuple in the order of ``_SUMMARY_FIELDS``."""
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


def _summary_of(application: Application) -> dict[str, Any]:
    row = Application.objects.filter(pk=application.pk).values_list(*_SUMMARY_FIELDS).get()
    return _summary(row)


def _after(ordering: str, cursor: list[Any]) -> Q:
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


def _ordered(applications: QuerySet[Application], ordering: str) -> QuerySet[Application]:
    if ordering == "-submitted_at":
        return applications.order_by("-submitted_at", "-id")
    if ordering == "submitted_at":
        return applications.order_by("submitted_at", "id")
    if ordering == "-score":
        # The same expression as the (programme, stage, score) index.
        return applications.order_by(ScoreRank("score_total").desc(), "-id")
    return applications.order_by(F("score_total").asc(nulls_last=True), "id")


def _filtered(applications: QuerySet[Application], params: dict[str, Any]) -> QuerySet[Application]:
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


def _detail(request: Request, application: Application) -> dict[str, Any]:
    candidate = application.candidate
    partner_id = request.user.partner_id
    data = _summary_of(application)
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
                _review_data(review)
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


def _review_data(review: Review) -> dict[str, Any]:
    return {
        "id": review.pk,
        "score": review.score,
        "recommendation": review.recommendation,
        "comment": review.comment,
        "reviewer": review.reviewer.get_full_name(),
        "created_at": iso(review.created_at),
    }


# --- Views ------------------------------------------------------------------------------


@extend_schema(tags=["applications"])
class ApplicationListView(APIView):
    @extend_schema(
        operation_id="applications_list",
        summary="Applications to your programmes, from “documents verified” on",
        parameters=[ApplicationFilter],
        responses={200: ApplicationPageOut, 400: BAD_REQUEST, 401: UNAUTHORIZED, 429: THROTTLED},
    )
    def get(self, request: Request) -> Response:
        params = validated(ApplicationFilter, request.query_params)
        ordering = params["ordering"]
        visible = selectors.applications_for_partner(
            partner_id=request.user.partner_id, program_code=params.get("program")
        )
        applications = _filtered(visible, params)
        if "cursor" in params:
            applications = applications.alias(score_rank=ScoreRank("score_total")).filter(
                _after(ordering, Cursor.decode(params["cursor"]))
            )
        by_time = ordering.endswith("submitted_at")
        return keyset_page(
            request,
            _ordered(applications, ordering).values_list(*_SUMMARY_FIELDS),
            size=params["page_size"],
            key=lambda row: [iso(row[_SUBMITTED_AT]) if by_time else decimal_text(row[_SCORE]), row[0]],
            shape=_summary,
        )


@extend_schema(tags=["applications"])
class ApplicationDetailView(APIView):
    @extend_schema(
        operation_id="applications_retrieve",
        summary="What a reviewer needs to judge an application (the read is logged)",
        responses={200: ApplicationDetailOut, 401: UNAUTHORIZED, 404: NOT_FOUND, 429: THROTTLED},
    )
    def get(self, request: Request, application_id: int) -> Response:
        application = selectors.application_for_partner(
            partner_id=request.user.partner_id, application_id=application_id
        )
        services.personal_data_access_record(api_key=request.auth, application=application)
        return Response(_detail(request, application))


# Media type → file extension of a download: the types an upload may have
# (services.ALLOWED_DOCUMENT_TYPES), and octet-stream for anything older.
DOWNLOAD_MEDIA_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/octet-stream": "bin",
}


@extend_schema(tags=["applications"])
class ApplicationDocumentView(APIView):
    @extend_schema(
        operation_id="applications_documents_retrieve",
        summary="Download one of the candidate's documents (the read is logged)",
        responses={
            # The type the file was checked to be on upload (by its content), so that clients
            # checking answers against the schema accept it.
            **{
                (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")
                for media_type in DOWNLOAD_MEDIA_TYPES
            },
            401: UNAUTHORIZED,
            404: NOT_FOUND,
            429: THROTTLED,
            503: OpenApiResponse(ErrorSerializer, description="The file is missing from storage."),
        },
    )
    def get(self, request: Request, application_id: int, document_id: int) -> FileResponse:
        application, document = selectors.document_for_partner(
            actor=request.user, application_id=application_id, document_id=document_id
        )
        try:
            handle = document.file.open("rb")
        except FileNotFoundError:
            logger.error(
                "document %s of application %s: file missing from storage", document.pk, application.pk
            )
            raise Unavailable(
                _("The file is missing; the ministry has been told."), code="file_missing"
            ) from None
        services.personal_data_access_record(api_key=request.auth, application=application, document=document)
        content_type = document.content_type
        if content_type not in DOWNLOAD_MEDIA_TYPES:  # a row from before the upload check
            content_type = "application/octet-stream"
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"{document.kind}-{application.pk}.{DOWNLOAD_MEDIA_TYPES[content_type]}",
            content_type=content_type,
        )
        response["Cache-Control"] = "private, no-store"
        return response


@extend_schema(tags=["applications"])
class ApplicationReviewView(APIView):
    @extend_schema(
        operation_id="applications_reviews_create",
        summary="Add your organisation's review of an application",
        request=ReviewIn,
        responses={201: ReviewOut, 400: BAD_REQUEST, 401: UNAUTHORIZED, 404: NOT_FOUND, 429: THROTTLED},
    )
    def post(self, request: Request, application_id: int) -> Response:
        application = selectors.application_for_partner(
            partner_id=request.user.partner_id, application_id=application_id
        )
        data = validated(ReviewIn, request.data)
        review = services.application_review_add(application=application, reviewer=request.user, **data)
        return Response(_review_data(review), status=201)


@extend_schema(tags=["applications"])
class ApplicationTransitionView(APIView):
    @extend_schema(
        operation_id="applications_transition_create",
        summary="Move an application: shortlist, interview, offer a seat, reject",
        request=TransitionIn,
        responses={
            200: ApplicationSummaryOut,
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            404: NOT_FOUND,
            409: CONFLICT,
            429: THROTTLED,
        },
    )
    def post(self, request: Request, application_id: int) -> Response:
        application = selectors.application_for_partner(
            partner_id=request.user.partner_id, application_id=application_id
        )
        data = validated(TransitionIn, request.data)
        track = None
        if data.get("track"):
            track = program_tracks(program=application.program_id).filter(pk=data["track"]).first()
            if track is None:
                raise DomainError(
                    _("Choose one of this programme's placement tracks."),
                    code="invalid",
                    fields={"track": [_("Choose one of this programme's placement tracks.")]},
                )
        interview = data.get("interview")
        moved = services.application_move(
            application=application,
            to_stage=data["to"],
            actor=request.user,
            reason=data["reason"],
            track=track,
            offer_deadline=data.get("offer_deadline"),
            interview=services.InterviewSlot(**interview) if interview else None,
        )
        return Response(_summary_of(moved))
