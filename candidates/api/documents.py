"""Downloading one of a candidate's documents."""

from __future__ import annotations

import logging

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from p2mi_portal.api import (
    NOT_FOUND,
    THROTTLED,
    UNAUTHORIZED,
    ErrorSerializer,
    Unavailable,
)

from .. import selectors, services

logger = logging.getLogger(__name__)


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
