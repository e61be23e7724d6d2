"""The applications to a partner's programmes: the list and one application."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from p2mi_portal.api import (
    BAD_REQUEST,
    NOT_FOUND,
    THROTTLED,
    UNAUTHORIZED,
    Cursor,
    decimal_text,
    iso,
    keyset_page,
    validated,
)

from .. import selectors, services
from ..models import ScoreRank
from .answers import SCORE, SUBMITTED_AT, SUMMARY_FIELDS, after_cursor, detail, filtered, ordered, summary_row
from .serializers import ApplicationDetailOut, ApplicationFilter, ApplicationPageOut


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
        applications = filtered(visible, params)
        if "cursor" in params:
            applications = applications.alias(score_rank=ScoreRank("score_total")).filter(
                after_cursor(ordering, Cursor.decode(params["cursor"]))
            )
        by_time = ordering.endswith("submitted_at")
        return keyset_page(
            request,
            ordered(applications, ordering).values_list(*SUMMARY_FIELDS),
            size=params["page_size"],
            key=lambda row: [iso(row[SUBMITTED_AT]) if by_time else decimal_text(row[SCORE]), row[0]],
            shape=summary_row,
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
        return Response(detail(request, application))


# Media type → file extension of a download: the types an upload may have
