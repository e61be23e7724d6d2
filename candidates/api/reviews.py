"""A partner's review of an application, and its moves (shortlist, interview, offer, reject)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from p2mi_portal.api import (
    BAD_REQUEST,
    CONFLICT,
    NOT_FOUND,
    THROTTLED,
    UNAUTHORIZED,
    validated,
)
from p2mi_portal.errors import DomainError
from programs.selectors import program_tracks

from .. import selectors, services
from .answers import review_data, summary_of
from .serializers import ApplicationSummaryOut, ReviewIn, ReviewOut, TransitionIn


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
        return Response(review_data(review), status=201)


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
        return Response(summary_of(moved))
