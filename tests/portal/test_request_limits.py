"""A body larger than its address accepts is refused (413) before any of it is read: no view
runs, no upload handler receives a byte, nothing reaches a temporary file; over real HTTP
the answer comes while the client is still sending."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.urls import reverse
from django.utils import translation

from accounts.models import PartnerAPIKey
from candidates.models import Document
from programs.models import DocumentKind
from tests.accounts.factories import PartnerUserFactory, StaffFactory
from tests.candidates.factories import CandidateFactory
from tests.files import pdf_bytes, upload
from tests.portal.test_process_set import _database_url, _free_port
from tests.portal.test_settings import CONFIG_VARIABLES
from tests.programs.factories import PartnerFactory, ProgramFactory

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024

pytestmark = pytest.mark.django_db


def en(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


@pytest.fixture
def upload_spy(settings, tmp_path):
    """Every upload goes to a temporary file in a directory of the test's own; the handlers'
    chunks are counted."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    os.makedirs(settings.FILE_UPLOAD_TEMP_DIR)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    settings.MEDIA_ROOT = tmp_path / "media"
    received = []

    def spy(original):
        def receive_data_chunk(self, raw_data, start):
            received.append(len(raw_data))
            return original(self, raw_data, start)

        return receive_data_chunk

    with (
        mock.patch.object(
            TemporaryFileUploadHandler,
            "receive_data_chunk",
            spy(TemporaryFileUploadHandler.receive_data_chunk),
        ),
        mock.patch.object(
            MemoryFileUploadHandler, "receive_data_chunk", spy(MemoryFileUploadHandler.receive_data_chunk)
        ),
    ):
        yield received


def test_a_document_over_the_limit_is_refused_before_it_is_read(client, settings, upload_spy):
    candidate = CandidateFactory()
    client.force_login(candidate.user)
    assert settings.REQUEST_MAX_BYTES == settings.DOCUMENT_MAX_BYTES + MB  # 6 MB by default
    big = pdf_bytes() + b"0" * (7 * MB)
    with mock.patch("candidates.services.document_upload") as service:
        response = client.post(
            en("candidates:documents"), {"kind": DocumentKind.DIPLOMA, "file": upload("ijazah.pdf", big)}
        )
    assert response.status_code == 413
    assert "Too large to send" in response.content.decode()
    assert "at most 6.0\xa0MB" in response.content.decode()
    assert not service.called
    assert upload_spy == []  # no upload handler received a byte
    assert os.listdir(settings.FILE_UPLOAD_TEMP_DIR) == []
    assert not Document.objects.filter(candidate=candidate, file__gt="").exists()


def test_the_refusal_is_indonesian_on_indonesian_pages(client, upload_spy):
    candidate = CandidateFactory()
    client.force_login(candidate.user)
    with translation.override("id"):
        url = reverse("candidates:documents")
    response = client.post(url, {"kind": DocumentKind.DIPLOMA, "file": upload("a.pdf", b"0" * (7 * MB))})
    assert response.status_code == 413
    assert "Terlalu besar" in response.content.decode()


def test_a_document_within_the_limit_reaches_the_page(client, upload_spy):
    candidate = CandidateFactory()
    client.force_login(candidate.user)
    response = client.post(
        en("candidates:documents"), {"kind": DocumentKind.DIPLOMA, "file": upload("ijazah.pdf", pdf_bytes())}
    )
    assert response.status_code in {200, 302}
    assert upload_spy


def test_the_import_page_takes_a_spreadsheet_larger_than_a_document(client, settings, upload_spy):
    client.force_login(StaffFactory(is_superuser=True))
    url = en("admin:candidates_importjob_add")
    data = {"program": ProgramFactory().pk, "file": upload("bkk.xlsx", b"0" * (7 * MB))}
    response = client.post(url, data)
    assert response.status_code == 200  # the form answers (not a spreadsheet), no 413
    assert upload_spy
    upload_spy.clear()
    settings.REQUEST_MAX_BYTES_BY_VIEW = {"admin:candidates_importjob_add": 2 * MB}
    data["file"] = upload("bkk.xlsx", b"0" * (7 * MB))
    assert client.post(url, data).status_code == 413
    assert upload_spy == []


def test_a_page_body_without_a_length_is_refused(client, upload_spy):
    candidate = CandidateFactory()
    client.force_login(candidate.user)
    response = client.post(
        en("candidates:documents"),
        {"kind": DocumentKind.DIPLOMA, "file": upload("a.pdf", pdf_bytes())},
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411
    assert upload_spy == []


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_gunicorn_answers_413_while_the_body_is_still_coming():
    """A partner's key is valid, so the API would read the JSON body: the 413 comes first."""
    user = PartnerUserFactory(partner=PartnerFactory())
    _obj, key = PartnerAPIKey.objects.create_key(name="HRIS", user=user)
    port = _free_port()
    env = {name: value for name, value in os.environ.items() if name not in CONFIG_VARIABLES}
    env.update({"DATABASE_URL": _database_url(), "ALLOWED_HOSTS": "127.0.0.1", "PYTHONUNBUFFERED": "1"})
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "p2mi_portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        sock = None
        deadline = time.monotonic() + 60
        while sock is None and time.monotonic() < deadline and process.poll() is None:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=20)
            except OSError:
                time.sleep(0.3)
        assert sock is not None, "gunicorn did not start"
        with sock:
            head = (
                "POST /api/v1/applications/1/reviews/ HTTP/1.1\r\n"
                "Host: 127.0.0.1\r\n"
                f"Authorization: Api-Key {key}\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {57 * MB}\r\n\r\n"
            )
            sock.sendall(head.encode() + b'{"note": "' + b"a" * 65536)
            # Without the limit the worker waits for the other 57 MB and this read times out.
            answer = _read_response(sock)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode(errors="replace")
    assert answer.startswith(b"HTTP/1.1 413"), (answer[:300], output[-2000:])
