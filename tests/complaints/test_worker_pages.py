"""The worker's pages: filing a complaint (with or without an attachment), every refusal with its
message, the attachment kept private, another person's complaint missing, replies."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from candidates.services import candidate_anonymise
from complaints import services
from complaints.models import (
    Complaint,
    ComplaintCategory,
    ComplaintEntry,
    ComplaintEntryKind,
    ComplaintPriority,
    ComplaintStatus,
)
from p2mi_portal.errors import DomainError
from tests.accounts.factories import PartnerUserFactory, StaffFactory, UserFactory
from tests.files import jpeg_bytes, pdf_bytes, png_bytes, upload

from .conftest import en

pytestmark = pytest.mark.django_db

EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
NOT_ALLOWED = (
    "This file is not a PDF, JPEG or PNG document (whatever its name says). "
    "Scan or photograph the document and upload it as PDF, JPEG, PNG."
)


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [Path(folder, name) for folder, _dirs, names in os.walk(root) for name in names]


def post_complaint(client, **fields):
    data = {"category": ComplaintCategory.UNPAID_WAGES, "description": "Gaji belum dibayar.", **fields}
    return client.post(en("complaints:list"), data)


def body(response) -> bytes:
    content = b"".join(response.streaming_content)
    # Closing the response ends the request, which would close the database connection the
    # test still uses (PostgreSQL); the test client keeps it open the same way.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    return content


# --- Filing --------------------------------------------------------------------------------


def test_the_complaints_tab_is_on_the_account_pages(worker_client):
    page = worker_client.get(en("candidates:home")).content.decode()
    assert f'href="{en("complaints:list")}"' in page
    response = worker_client.get(en("complaints:list"))
    assert response.status_code == 200
    assert 'aria-current="page">Complaints<' in response.content.decode()
    assert "You have not filed a complaint." in response.content.decode()


def test_a_worker_files_a_complaint_about_their_application(worker_client, worker, program):
    application = worker.applications.get()
    response = post_complaint(
        worker_client,
        category=ComplaintCategory.DOCUMENT_HELD,
        description="  Paspor saya ditahan oleh majikan.  ",
        application=application.pk,
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == en("complaints:detail", complaint.pk)
    assert complaint.candidate == worker
    assert complaint.application == application and complaint.program == program
    assert complaint.category == ComplaintCategory.DOCUMENT_HELD
    assert complaint.description == "Paspor saya ditahan oleh majikan."
    assert complaint.status == ComplaintStatus.NEW and complaint.priority == ComplaintPriority.NORMAL
    assert complaint.due_at == complaint.created_at + datetime.timedelta(days=7)
    assert complaint.assignee is None and complaint.resolved_at is None
    assert not complaint.attachment
    [entry] = complaint.entries.all()
    assert (entry.kind, entry.actor, entry.visible_to_worker) == (ComplaintEntryKind.FILED, worker.user, True)

    page = worker_client.get(response["Location"]).content.decode()
    assert f"Your complaint #{complaint.pk} is filed." in page
    assert "Paspor saya ditahan oleh majikan." in page
    assert "Document held by the employer" in page
    assert "You filed the complaint." in page
    listing = worker_client.get(en("complaints:list")).content.decode()
    assert f'href="{en("complaints:detail", complaint.pk)}"' in listing


def test_a_complaint_need_not_name_an_application(worker_client):
    response = post_complaint(worker_client, category=ComplaintCategory.ILLEGAL_RECRUITER, application="")
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.application is None and complaint.program is None


@pytest.mark.parametrize(
    ("category", "priority", "days"),
    [
        (ComplaintCategory.ABUSE, ComplaintPriority.URGENT, 1),
        (ComplaintCategory.HEALTH, ComplaintPriority.HIGH, 3),
        (ComplaintCategory.OTHER, ComplaintPriority.NORMAL, 7),
    ],
)
def test_violence_and_health_start_with_a_higher_priority(worker_client, category, priority, days):
    post_complaint(worker_client, category=category)
    complaint = Complaint.objects.get()
    assert complaint.priority == priority
    assert complaint.due_at - complaint.created_at == datetime.timedelta(days=days)


@pytest.mark.parametrize(
    ("name", "content", "expected_type"),
    [("bukti.pdf", pdf_bytes(), "application/pdf"), ("foto.jpg", jpeg_bytes(), "image/jpeg")],
)
def test_an_attachment_is_kept_under_a_random_name_and_downloaded_by_owner_and_staff(
    worker_client, client, worker, name, content, expected_type
):
    response = post_complaint(worker_client, attachment=upload(name, content, "application/pdf"))
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.attachment_type == expected_type and complaint.attachment_name == name
    [stored] = stored_files()
    # Under the private media root, named by neither the worker nor the file.
    assert stored.parent.name == "complaints"
    assert name not in str(stored) and worker.full_name not in str(stored)
    assert stored.read_bytes() == content

    url = en("complaints:attachment", complaint.pk)
    download = worker_client.get(url)
    assert download.status_code == 200
    assert body(download) == content
    assert download["Content-Type"] == expected_type
    assert download["Content-Disposition"].startswith("attachment;")
    assert {"private", "no-store"} <= {part.strip() for part in download["Cache-Control"].split(",")}

    client.force_login(StaffFactory())
    assert body(client.get(url)) == content


def test_nobody_else_downloads_the_attachment(client, worker, other):
    complaint = services.complaint_file(
        candidate=worker,
        category=ComplaintCategory.HEALTH,
        description="Surat dokter terlampir.",
        attachment=upload("surat.png", png_bytes()),
    )
    url = en("complaints:attachment", complaint.pk)
    assert client.get(url).status_code == 302  # not logged in: to the log-in page
    for intruder in (
        other.user,
        PartnerUserFactory(),
        # Staff role without the admin (e.g. deactivated admin access) is not staff.
        UserFactory(role="staff", is_staff=False),
    ):
        client.force_login(intruder)
        assert client.get(url).status_code == 404
    # A complaint without an attachment, or none at all: the same 404.
    client.force_login(worker.user)
    bare = services.complaint_file(candidate=worker, category="other", description="Tanpa lampiran.")
    assert client.get(en("complaints:attachment", bare.pk)).status_code == 404
    assert client.get(en("complaints:attachment", 999999)).status_code == 404


# --- Refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"category": "bribery"}, "Choose one of the listed categories."),
        ({"category": ""}, "Choose what the complaint is about."),
        ({"description": ""}, "Describe what happened."),
        ({"description": "   \n  "}, "Describe what happened."),
        ({"description": "x" * 5001}, "Ensure this value has at most 5000 characters (it has 5001)."),
        ({"description": "Gaji\x00"}, "Null characters are not allowed."),
        ({"application": "abc"}, "Choose one of your own applications, or none."),
        ({"application": "99999999999999999999999"}, "Choose one of your own applications, or none."),
        ({"attachment": upload("gaji.pdf", EXE_BYTES)}, NOT_ALLOWED),
        ({"attachment": upload("gaji.pdf", b"")}, "The submitted file is empty."),
    ],
    ids=[
        "unknown-category",
        "no-category",
        "empty-description",
        "blank-description",
        "long-description",
        "nul-byte",
        "application-not-a-number",
        "application-overflow",
        "renamed-exe",
        "empty-file",
    ],
)
def test_refused_complaints_say_why_and_save_nothing(worker_client, fields, message):
    response = post_complaint(worker_client, **fields)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'class="error"' in page or 'class="form-errors"' in page
    assert not Complaint.objects.exists() and not ComplaintEntry.objects.exists()
    assert stored_files() == []


def test_another_candidates_application_is_refused(worker_client, other):
    response = post_complaint(worker_client, application=other.applications.get().pk)
    assert response.status_code == 200
    assert "Choose one of your own applications, or none." in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_service_refuses_another_candidates_application_too(worker, other):
    with pytest.raises(DomainError) as refused:
        services.complaint_file(
            candidate=worker,
            category="other",
            description="x",
            application=other.applications.get(),
        )
    assert refused.value.fields == {"application": ["Choose one of your own applications, or none."]}
    assert not Complaint.objects.exists()


def test_an_oversized_attachment_is_refused_with_the_limit(worker_client, settings):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    response = post_complaint(
        worker_client, attachment=upload("bukti.pdf", pdf_bytes() + b"\0" * 1024 * 1024)
    )
    assert response.status_code == 200
    assert "The file is 1.0 MB; at most 1 MB is allowed." in response.content.decode()
    assert not Complaint.objects.exists()
    assert stored_files() == []


def test_only_candidates_have_complaint_pages(client, staff, complaint):
    client.force_login(staff)
    assert client.get(en("complaints:list")).status_code == 403
    assert client.get(en("complaints:detail", complaint.pk)).status_code == 403
    client.logout()
    response = client.get(en("complaints:list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- Scope -------------------------------------------------------------------------------


def test_another_candidate_gets_404_for_the_complaint(client, other, complaint):
    client.force_login(other.user)
    url = en("complaints:detail", complaint.pk)
    assert client.get(url).status_code == 404
    assert client.post(url, {"text": "Saya juga."}).status_code == 404
    assert client.get(en("complaints:detail", 999999)).status_code == 404
    assert not complaint.entries.filter(kind=ComplaintEntryKind.WORKER_REPLY).exists()
    listing = client.get(en("complaints:list")).content.decode()
    assert "Gaji bulan Oktober" not in listing


# --- The timeline and replies -----------------------------------------------------------


def test_the_worker_sees_status_changes_and_visible_notes_only(worker_client, complaint, staff):
    services.complaint_note_add(
        complaint=complaint, text="Catatan internal: majikan X.", visible_to_worker=False, actor=staff
    )
    services.complaint_note_add(
        complaint=complaint, text="Kami sudah menghubungi majikan.", visible_to_worker=True, actor=staff
    )
    services.complaint_assign(complaint=complaint, assignee=staff, actor=staff)
    services.complaint_priority_set(complaint=complaint, priority="high", actor=staff)
    services.complaint_status_change(
        complaint=complaint, to_status="waiting_for_worker", reason="Kirim slip gaji.", actor=staff
    )
    page = worker_client.get(en("complaints:detail", complaint.pk)).content.decode()
    assert "Kami sudah menghubungi majikan." in page
    assert "Status: Waiting for the worker" in page and "Kirim slip gaji." in page
    assert "Catatan internal" not in page
    assert "Ibu Dewi" not in page  # staff names stay internal
    assert "High" not in page
    assert "The ministry is waiting for your answer." in page


def test_a_reply_while_waiting_moves_the_complaint_back_to_work(worker_client, complaint, staff):
    services.complaint_status_change(
        complaint=complaint, to_status="waiting_for_worker", reason="Kirim slip gaji.", actor=staff
    )
    url = en("complaints:detail", complaint.pk)
    response = worker_client.post(url, {"text": "  Slip gaji sudah saya foto.  "})
    assert response.status_code == 302 and response["Location"] == url
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.IN_PROGRESS
    reply, move = complaint.entries.order_by("-id")[1], complaint.entries.order_by("-id")[0]
    assert (reply.kind, reply.text, reply.visible_to_worker) == (
        ComplaintEntryKind.WORKER_REPLY,
        "Slip gaji sudah saya foto.",
        True,
    )
    assert (move.kind, move.from_value, move.to_value, move.actor) == (
        ComplaintEntryKind.STATUS,
        ComplaintStatus.WAITING_FOR_WORKER,
        ComplaintStatus.IN_PROGRESS,
        complaint.candidate.user,
    )
    page = worker_client.get(url).content.decode()
    assert "Your reply is sent to the ministry." in page
    assert "Slip gaji sudah saya foto." in page


def test_the_assignee_hears_of_a_reply_without_its_text(worker_client, complaint, staff):
    from notifications.models import Notification, NotificationKind
    from notifications.services import notification_render, notification_render_short

    services.complaint_assign(complaint=complaint, assignee=staff, actor=staff)
    services.complaint_status_change(
        complaint=complaint, to_status="waiting_for_worker", reason="Kirim slip gaji.", actor=staff
    )
    worker_client.post(en("complaints:detail", complaint.pk), {"text": "Slip gaji sudah saya foto."})
    notice = Notification.objects.get(kind=NotificationKind.COMPLAINT_REPLY)
    assert notice.recipient == staff
    assert notice.context == {
        "complaint_id": complaint.pk,
        "category": complaint.category,
        "complaint_status": ComplaintStatus.IN_PROGRESS,
    }
    subject, body = notification_render(notice, language="en")
    assert subject == f"The worker replied on complaint #{complaint.pk}"
    assert (
        f"The worker replied on complaint #{complaint.pk} (Unpaid wages), which is assigned to you. "
        "It is now “In progress”."
    ) in body
    triage = f"http://localhost:8000/en/admin/complaints/complaint/{complaint.pk}/triage/"
    assert triage in body
    short = notification_render_short(notice, language="en")
    assert short.startswith(f"KP2MI: The worker replied on complaint #{complaint.pk}.") and triage in short
    # The reply itself is read on the triage page, not carried in messages.
    assert "Slip gaji" not in body and "Slip gaji" not in short
    _subject, body_id = notification_render(notice, language="id")
    assert f"/admin/complaints/complaint/{complaint.pk}/triage/" in body_id and "/en/" not in body_id


def test_a_reply_on_an_unassigned_complaint_notifies_nobody(worker_client, complaint):
    from notifications.models import Notification, NotificationKind

    worker_client.post(en("complaints:detail", complaint.pk), {"text": "Tambahan informasi."})
    assert complaint.entries.filter(kind=ComplaintEntryKind.WORKER_REPLY).exists()
    assert not Notification.objects.filter(kind=NotificationKind.COMPLAINT_REPLY).exists()


def test_a_reply_on_a_new_complaint_keeps_its_status(worker_client, complaint):
    worker_client.post(en("complaints:detail", complaint.pk), {"text": "Tambahan informasi."})
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.NEW
    assert complaint.entries.filter(kind=ComplaintEntryKind.WORKER_REPLY, text="Tambahan informasi.").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": ""}, "Write your reply."),
        ({"text": "   "}, "Write your reply."),
        ({}, "Write your reply."),
        ({"text": "y" * 5001}, "Ensure this value has at most 5000 characters (it has 5001)."),
    ],
)
def test_an_empty_or_long_reply_is_refused(worker_client, complaint, data, message):
    response = worker_client.post(en("complaints:detail", complaint.pk), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not complaint.entries.filter(kind=ComplaintEntryKind.WORKER_REPLY).exists()


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_a_finished_complaint_takes_no_reply(worker_client, complaint, staff, status):
    services.complaint_status_change(
        complaint=complaint, to_status=status, reason="Gaji sudah dibayar.", actor=staff
    )
    url = en("complaints:detail", complaint.pk)
    page = worker_client.get(url).content.decode()
    assert "This complaint is finished. If the problem continues, file a new complaint." in page
    assert 'name="text"' not in page
    response = worker_client.post(url, {"text": "Belum dibayar!"})
    assert response.status_code == 200
    label = ComplaintStatus(status).label
    assert f"This complaint is “{label}”, so it takes no more replies." in response.content.decode()
    assert not complaint.entries.filter(kind=ComplaintEntryKind.WORKER_REPLY).exists()


def test_pages_in_indonesian_and_english(worker_client, complaint):

    with translation.override("id"):
        url = reverse("complaints:detail", args=[complaint.pk])
    assert url == f"/me/complaints/{complaint.pk}/"
    assert worker_client.get(url).status_code == 200
    assert worker_client.get(f"/en/me/complaints/{complaint.pk}/").status_code == 200


# --- Malformed requests ------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"category": ["abuse", "health"], "description": ["a", "b"]},
        {"category": "abuse", "description": "x", "application": ["1", "2"]},
        {"category": "abuse", "description": "x", "application": "-1"},
        {"category": "abuse", "description": "x", "attachment": "not-a-file"},
        {"category": "\x00", "description": "\x00"},
        {"category": "a" * 10000, "description": "x"},
    ],
)
def test_a_malformed_post_never_gives_500(worker_client, data):
    response = worker_client.post(en("complaints:list"), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert not Complaint.objects.exists()


def test_a_malformed_reply_never_gives_500(worker_client, complaint):
    for data in ({"text": ["a", "b"]}, {"text": "\x00"}, {"other": "x"}):
        assert worker_client.post(en("complaints:detail", complaint.pk), data).status_code in (200, 302)
    for path in ("/en/me/complaints/abc/", "/en/me/complaints/99999999999999999999999/"):
        assert worker_client.get(path).status_code == 404
    assert worker_client.put(en("complaints:detail", complaint.pk)).status_code == 405


def test_erasing_the_candidates_data_erases_what_they_wrote_in_complaints(worker, complaint, staff):
    with_file = services.complaint_file(
        candidate=worker, category="health", description="Sakit.", attachment=upload("s.pdf", pdf_bytes())
    )
    services.complaint_reply(complaint=complaint, text="Nama majikan saya Budi.", actor=worker.user)
    services.complaint_note_add(complaint=complaint, text="Dicek.", visible_to_worker=True, actor=staff)
    assert len(stored_files()) == 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        candidate_anonymise(candidate=worker)
    complaint.refresh_from_db()
    with_file.refresh_from_db()
    assert complaint.description == "" and with_file.description == ""
    assert not with_file.attachment and with_file.attachment_name == ""
    assert not complaint.entries.filter(kind=ComplaintEntryKind.WORKER_REPLY).exclude(text="").exists()
    assert complaint.entries.filter(kind=ComplaintEntryKind.NOTE, text="Dicek.").exists()
    assert complaint.category == ComplaintCategory.UNPAID_WAGES  # the record stays
    assert stored_files() == []


def test_the_data_export_holds_the_complaints_as_the_worker_sees_them(worker_client, complaint, staff):
    services.complaint_note_add(complaint=complaint, text="Rahasia.", visible_to_worker=False, actor=staff)
    services.complaint_note_add(
        complaint=complaint, text="Sudah ditangani.", visible_to_worker=True, actor=staff
    )
    data = json.loads(worker_client.get(en("candidates:data_export")).content)
    [exported] = data["complaints"]
    assert exported["id"] == complaint.pk and exported["description"] == complaint.description
    assert exported["program"] == "rusal-smk-go-global-2026"
    assert [e["text"] for e in exported["timeline"]] == ["", "Sudah ditangani."]
