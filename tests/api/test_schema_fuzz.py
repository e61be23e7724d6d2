"""Schemathesis over every operation of the API, in-process, with a valid partner key.

Generated requests (valid and invalid) must never produce a 5xx, and every response
must match the published schema (status code documented, body shape, content type).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.files.base import ContentFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from accounts.api_auth import PartnerKeyThrottle
from accounts.models import PartnerAPIKey
from candidates.models import Document, DocumentStatus, Stage
from tests.accounts.factories import PartnerUserFactory
from tests.candidates.factories import CandidateFactory, application_at
from tests.programs.factories import PartnerFactory, ProgramFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture(autouse=True)
def connection_kept_open():
    """Keep the test's database connection across requests, as Django's test client does.

    Schemathesis calls the real WSGI handler, whose request signals would close the
    connection that holds the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def partner_key(db, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    # Hundreds of generated requests with one key: throttling is tested elsewhere.
    monkeypatch.setattr(PartnerKeyThrottle, "THROTTLE_RATES", {"partner_key": "100000/minute"})
    employer = PartnerFactory(name="RUSAL")
    program = ProgramFactory(employer=employer, code="rusal-uji", status="selection")
    for stage in (Stage.DOCUMENTS_VERIFIED, Stage.INTERVIEWED, Stage.SHORTLISTED):
        application = application_at(stage, program=program, candidate=CandidateFactory())
        for document in Document.objects.filter(candidate=application.candidate):
            document.file.save(document.kind, ContentFile(b"%PDF-1.4 uji"))
    _obj, key = PartnerAPIKey.objects.create_key(name="HRIS", user=PartnerUserFactory(partner=employer))
    return key


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_api_conforms_to_its_schema(case, partner_key):
    # What is checked: no 5xx, and every status, header, content type and body as documented.
    # Left out: a schema-valid request may still get a documented 400 (a cursor that was never
    # issued), and an empty filter in the query string (``?stage=``) means "no filter".
    case.call_and_validate(
        headers={"Authorization": f"Api-Key {partner_key}"},
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )


DOCUMENT_DOWNLOAD = "/api/v1/applications/{application_id}/documents/{document_id}/"


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("application/pdf", b"%PDF-1.4 uji"),
        ("image/jpeg", b"\xff\xd8\xff\xe0 uji"),
        ("image/png", b"\x89PNG\r\n\x1a\n uji"),
        ("text/plain", b"a row from before the upload check"),
    ],
)
def test_a_document_download_conforms_to_its_schema(partner_key, content_type, content):
    """Generated ids rarely name a real document, so each stored type is downloaded once and
    checked like every generated call (status, content type, headers)."""
    document = (
        Document.objects.filter(candidate__applications__stage=Stage.DOCUMENTS_VERIFIED)
        .order_by("pk")
        .first()
    )
    document.status = DocumentStatus.VERIFIED
    document.content_type = content_type
    document.file.save(document.kind, ContentFile(content))
    document.save()
    application = document.candidate.applications.get()
    case = schema[DOCUMENT_DOWNLOAD]["GET"].Case(
        path_parameters={"application_id": application.pk, "document_id": document.pk}
    )
    response = case.call_and_validate(headers={"Authorization": f"Api-Key {partner_key}"})
    assert response.status_code == 200
    headers = {name.lower(): value for name, value in response.headers.items()}
    served = headers["content-type"]
    served = served[0] if isinstance(served, list) else served
    assert served == (content_type if content_type != "text/plain" else "application/octet-stream")
