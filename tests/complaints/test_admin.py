"""Staff work in the admin: the list with its filters and search, the read-only complaint page with
its timeline, and the triage page whose forms go through the services — and who may not."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from complaints import services
from complaints.models import Complaint, ComplaintEntryKind, ComplaintPriority, ComplaintStatus
from p2mi_portal.errors import DomainError
from tests.accounts.factories import PartnerUserFactory, StaffFactory, UserFactory
from tests.files import pdf_bytes, upload

from .conftest import en, updates

pytestmark = pytest.mark.django_db


def triage_url(complaint) -> str:
    return en("admin:complaints_complaint_triage", complaint.pk)


def triage(client, complaint, action: str, **fields):
    data = {"action": action, **{f"{action}-{name}": value for name, value in fields.items()}}
    return client.post(triage_url(complaint), data)


def make_overdue(complaint, days: int = 1) -> None:
    Complaint.objects.filter(pk=complaint.pk).update(due_at=timezone.now() - datetime.timedelta(days=days))


# --- The whole flow ---------------------------------------------------------------------------


def test_the_whole_flow_through_http(client, worker, staff, colleague):
    # The worker files.
    client.force_login(worker.user)
    client.post(
        en("complaints:list"),
        {
            "category": "unpaid_wages",
            "description": "Gaji dua bulan belum dibayar.",
            "application": worker.applications.get().pk,
        },
    )
    complaint = Complaint.objects.get()

    # Staff triage in the admin.
    client.force_login(staff)
    listing = client.get(en("admin:complaints_complaint_changelist"))
    assert listing.status_code == 200 and "Siti Rahayu" in listing.content.decode()
    # Sorting by the latest change brings replies on unassigned complaints to the top.
    assert 'class="sortable column-updated_at"' in listing.content.decode()
    assert client.get(triage_url(complaint)).status_code == 200

    response = triage(client, complaint, "assign", assignee=colleague.pk)
    assert response.status_code == 302 and response["Location"] == triage_url(complaint)
    response = triage(client, complaint, "priority", priority="urgent")
    assert response.status_code == 302
    response = triage(client, complaint, "status", to_status="in_progress", reason="")
    assert response.status_code == 302
    response = triage(client, complaint, "note", text="Majikan: PT X, kontak Pak Y.", visibility="staff")
    assert response.status_code == 302
    response = triage(
        client, complaint, "status", to_status="waiting_for_worker", reason="Kirim foto slip gaji terakhir."
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.assignee == colleague
    assert complaint.priority == ComplaintPriority.URGENT
    assert complaint.due_at == complaint.created_at + datetime.timedelta(days=1)
    assert complaint.status == ComplaintStatus.WAITING_FOR_WORKER
    assert [entry.kind for entry in complaint.entries.order_by("id")] == [
        ComplaintEntryKind.FILED,
        ComplaintEntryKind.ASSIGNED,
        ComplaintEntryKind.PRIORITY,
        ComplaintEntryKind.STATUS,
        ComplaintEntryKind.NOTE,
        ComplaintEntryKind.STATUS,
    ]
    assert all(entry.actor == staff for entry in complaint.entries.exclude(kind=ComplaintEntryKind.FILED))
    # The worker was told of the two status changes, not of the rest.
    assert [n.context.get("complaint_status") for n in updates(complaint)] == [
        "in_progress",
        "waiting_for_worker",
    ]
    page = client.get(triage_url(complaint)).content.decode()
    assert "Saved: Status." in page
    assert "Majikan: PT X, kontak Pak Y." in page  # staff see hidden notes

    # The worker sees the visible entries only, and replies.
    client.force_login(worker.user)
    page = client.get(en("complaints:detail", complaint.pk)).content.decode()
    assert "Kirim foto slip gaji terakhir." in page
    assert "Majikan: PT X" not in page
    client.post(en("complaints:detail", complaint.pk), {"text": "Foto slip gaji terlampir di WhatsApp."})
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.IN_PROGRESS

    # Staff resolve it; the worker is told with the reason.
    client.force_login(staff)
    triage(client, complaint, "status", to_status="resolved", reason="Gaji sudah dibayar penuh.")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RESOLVED and complaint.resolved_at is not None
    assert updates(complaint).last().context == {
        "complaint_id": complaint.pk,
        "category": "unpaid_wages",
        "complaint_status": "resolved",
        "reason": "Gaji sudah dibayar penuh.",
    }
    # A resolved complaint is closed without a reason; closed is final.
    triage(client, complaint, "status", to_status="closed", reason="")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    page = client.get(triage_url(complaint)).content.decode()
    assert 'id="form-status"' not in page and 'id="form-assign"' not in page
    assert 'id="form-note"' in page


# --- Refusals on the triage page -----------------------------------------------------------


def test_an_illegal_status_move_is_refused_with_the_allowed_ones(staff_client, complaint, staff):
    services.complaint_status_change(
        complaint=complaint, to_status="resolved", reason="Selesai.", actor=staff
    )
    page = staff_client.get(triage_url(complaint)).content.decode()
    form = page[page.index('id="form-status"') : page.index("</form>", page.index('id="form-status"'))]
    assert '<option value="in_progress">' in form and '<option value="closed">' in form
    assert '<option value="new">' not in form and '<option value="resolved">' not in form
    response = triage(staff_client, complaint, "status", to_status="new", reason="Coba lagi.")
    assert response.status_code == 200
    assert (
        f"Complaint #{complaint.pk} is “Resolved” and cannot move to “New”. Allowed: In progress, Closed."
    ) in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RESOLVED
    assert complaint.entries.filter(kind=ComplaintEntryKind.STATUS).count() == 1


@pytest.mark.parametrize(
    ("target", "label"),
    [("waiting_for_worker", "Waiting for the worker"), ("resolved", "Resolved"), ("closed", "Closed")],
)
def test_a_status_that_needs_a_reason_is_refused_without_one(staff_client, complaint, target, label):
    response = triage(staff_client, complaint, "status", to_status=target, reason="   ")
    assert response.status_code == 200
    assert f"Give the reason for “{label}”: the worker sees it." in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.NEW
    assert not updates().exists()


@pytest.mark.parametrize(
    ("action", "fields", "message"),
    [
        ("status", {"to_status": "archived"}, "Choose one of the listed statuses."),
        ("status", {"to_status": "new"}, "is “New” and cannot move to “New”. Allowed: In progress,"),
        ("priority", {"priority": "critical"}, "Choose one of the listed priorities."),
        ("priority", {"priority": "normal"}, "The priority is already “Normal”."),
        ("assign", {"assignee": "abc"}, "Assign the complaint to an active ministry staff member."),
        (
            "assign",
            {"assignee": "99999999999999999999"},
            "Assign the complaint to an active ministry staff member.",
        ),
        ("assign", {"assignee": ""}, "The complaint is not assigned to anyone."),
        ("note", {"text": "  ", "visibility": "worker"}, "Write the note."),
        ("note", {"text": "Catatan.", "visibility": "everyone"}, "Choose who sees the note."),
        (
            "note",
            {"text": "x" * 5001, "visibility": "staff"},
            "Ensure this value has at most 5000 characters",
        ),
    ],
)
def test_triage_refusals_say_why_and_change_nothing(staff_client, complaint, action, fields, message):
    before = Complaint.objects.values().get(pk=complaint.pk)
    response = triage(staff_client, complaint, action, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Complaint.objects.values().get(pk=complaint.pk) == before
    assert complaint.entries.count() == 1
    assert not updates().exists()


def test_only_active_staff_can_be_assigned(staff_client, complaint, worker):
    former = StaffFactory(is_active=False)
    for user in (worker.user, former):
        response = triage(staff_client, complaint, "assign", assignee=user.pk)
        assert "Assign the complaint to an active ministry staff member." in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.assignee is None


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"action": "delete"},
        {"action": ["status", "note"], "status-to_status": ["resolved", "closed"]},
        {"action": "status"},
        {"action": "note", "note-text": "\x00", "note-visibility": "worker"},
        {"action": "assign", "assign-assignee": "-1"},
        {"action": "priority", "priority-priority": "\x00"},
    ],
)
def test_a_malformed_triage_post_never_gives_500(staff_client, complaint, data):
    response = staff_client.post(triage_url(complaint), data)
    assert response.status_code in (200, 302)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.NEW
    assert complaint.entries.count() == 1


def test_an_unknown_complaint_is_404(staff_client):
    assert staff_client.get(en("admin:complaints_complaint_triage", 999999)).status_code == 404
    assert staff_client.get("/en/admin/complaints/complaint/99999999999999999999/triage/").status_code == 404


# --- Who may triage ----------------------------------------------------------------------------


def test_people_outside_the_ministry_never_reach_the_admin(client, complaint, worker, other):
    for user in (worker.user, other.user, PartnerUserFactory()):
        client.force_login(user)
        for url in (en("admin:complaints_complaint_changelist"), triage_url(complaint)):
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
        response = triage(client, complaint, "status", to_status="resolved", reason="Selesai.")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.NEW


def test_staff_without_the_complaint_permissions_are_refused(client, complaint):
    outsider = UserFactory(role=Role.STAFF, is_staff=True)  # admin access, no group
    client.force_login(outsider)
    assert client.get(en("admin:complaints_complaint_changelist")).status_code == 403
    assert client.get(triage_url(complaint)).status_code == 403
    assert triage(client, complaint, "status", to_status="in_progress").status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.NEW


def test_services_refuse_anyone_but_staff_handling_complaints(complaint, worker):
    outsider = UserFactory(role=Role.STAFF, is_staff=True)
    for actor in (worker.user, outsider):
        with pytest.raises(DomainError) as refused:
            services.complaint_status_change(complaint=complaint, to_status="in_progress", actor=actor)
        assert refused.value.code == "forbidden"
        with pytest.raises(DomainError):
            services.complaint_note_add(complaint=complaint, text="x", visible_to_worker=True, actor=actor)
    with pytest.raises(DomainError) as refused:
        services.complaint_reply(complaint=complaint, text="x", actor=outsider)
    assert str(refused.value.message) == "Only the person who filed the complaint can reply to it."


# --- The list and the complaint page -------------------------------------------------------


def test_the_list_filters_by_overdue_status_priority_category_programme_and_assignee(
    staff_client, complaint, worker, staff
):
    other_complaint = services.complaint_file(candidate=worker, category="abuse", description="Dipukul.")
    make_overdue(complaint)
    services.complaint_assign(complaint=other_complaint, assignee=staff, actor=staff)
    url = en("admin:complaints_complaint_changelist")

    def listed(query: str) -> set[int]:
        response = staff_client.get(f"{url}?{query}")
        assert response.status_code == 200
        return {c.pk for c in response.context["cl"].result_list}

    assert listed("") == {complaint.pk, other_complaint.pk}
    assert listed("overdue=yes") == {complaint.pk}
    assert listed("overdue=no") == {other_complaint.pk}
    assert listed("priority__exact=urgent") == {other_complaint.pk}
    assert listed("category__exact=unpaid_wages") == {complaint.pk}
    assert listed(f"program__id__exact={complaint.program_id}") == {complaint.pk}
    assert listed(f"assignee__id__exact={staff.pk}") == {other_complaint.pk}
    assert listed("status__exact=new") == {complaint.pk, other_complaint.pk}
    # A resolved complaint is no longer overdue, whatever its due time.
    services.complaint_status_change(
        complaint=complaint, to_status="resolved", reason="Dibayar.", actor=staff
    )
    assert listed("overdue=yes") == set()


def test_search_by_number_or_name_never_by_nik(staff_client, complaint, worker, other):
    theirs = services.complaint_file(candidate=other, category="other", description="Lain.")
    url = en("admin:complaints_complaint_changelist")

    def found(term: str) -> set[int]:
        response = staff_client.get(url, {"q": term})
        assert response.status_code == 200
        return {c.pk for c in response.context["cl"].result_list}

    assert found(str(complaint.pk)) == {complaint.pk}
    assert found(f"#{theirs.pk}") == {theirs.pk}
    assert found("siti") == {complaint.pk}
    assert found("Agus Salim") == {theirs.pk}
    assert found(worker.nik) == set()
    assert found("99999999999999999999999") == set()


def test_the_complaint_page_is_read_only_with_the_whole_timeline(staff_client, complaint, staff):
    services.complaint_note_add(
        complaint=complaint, text="Hanya untuk staf.", visible_to_worker=False, actor=staff
    )
    url = en("admin:complaints_complaint_change", complaint.pk)
    page = staff_client.get(url).content.decode()
    assert "Gaji bulan Oktober belum dibayar." in page
    assert "Hanya untuk staf." in page
    assert triage_url(complaint) in page
    assert 'name="_save"' not in page
    # Posting to it changes nothing.
    staff_client.post(url, {"status": "closed", "description": "diubah"})
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.NEW and complaint.description.startswith("Gaji")
    assert staff_client.get(en("admin:complaints_complaint_add")).status_code == 403
    assert (
        staff_client.post(en("admin:complaints_complaint_delete", complaint.pk), {"post": "yes"}).status_code
        == 403
    )
    assert Complaint.objects.filter(pk=complaint.pk).exists()


def test_the_triage_page_shows_the_attachment_link_and_overdue_mark(staff_client, worker):
    complaint = services.complaint_file(
        candidate=worker, category="health", description="Sakit.", attachment=upload("s.pdf", pdf_bytes())
    )
    make_overdue(complaint)
    page = staff_client.get(triage_url(complaint)).content.decode()
    assert en("complaints:attachment", complaint.pk) in page
    assert "Overdue" in page


@pytest.mark.parametrize("term", ["²", "#٣", "#", "99999999999999999999", "Siti"])
def test_searching_the_complaint_list_never_gives_500(staff_client, complaint, term):
    response = staff_client.get(en("admin:complaints_complaint_changelist"), {"q": term})
    assert response.status_code == 200


def test_searching_by_number_finds_the_complaint(staff_client, complaint):
    response = staff_client.get(en("admin:complaints_complaint_changelist"), {"q": f"#{complaint.pk}"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [complaint]
