"""Reads of complaints, each scoped to who asks.

A candidate sees their own complaints and, of each timeline, the entries marked visible to
them; another person's complaint is missing for them, exactly like one that does not exist.
Staff reads (the admin, the dashboard) need active ministry staff with the permission to view
complaints; anyone else gets nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from candidates.models import Application, CandidateProfile
from p2mi_portal.errors import NotFound

from .models import (
    OPEN_STATUSES,
    Complaint,
    ComplaintCategory,
    ComplaintEntry,
    ComplaintPriority,
    ComplaintStatus,
)

# --- The candidate's own ---------------------------------------------------------------


def complaints_of(candidate: CandidateProfile) -> QuerySet[Complaint]:
    return (
        Complaint.objects.filter(candidate=candidate).select_related("program").order_by("-created_at", "-id")
    )


def complaint_of(*, candidate: CandidateProfile, complaint_id: int) -> Complaint:
    complaint = (
        Complaint.objects.select_related("program").filter(candidate=candidate, pk=complaint_id).first()
    )
    if complaint is None:
        raise NotFound(_("Complaint not found."))
    return complaint


def timeline_for_worker(complaint: Complaint) -> QuerySet[ComplaintEntry]:
    """The entries the worker may read: what they wrote, status changes and visible notes."""
    return complaint.entries.filter(visible_to_worker=True).order_by("created_at", "id")


def applications_to_complain_about(candidate: CandidateProfile) -> QuerySet[Application]:
    """The candidate's own applications, newest first: the only ones a complaint may name."""
    return (
        Application.objects.filter(candidate=candidate)
        .select_related("program")
        .order_by("-submitted_at", "-id")
    )


def complaint_for_download(*, actor: User, complaint_id: int) -> Complaint:
    """The complaint with its attachment if ``actor`` filed it or handles complaints; else NotFound."""
    complaints = Complaint.objects.exclude(attachment="")
    if not can_view(actor):
        complaints = complaints.filter(candidate__user=actor)
    complaint = complaints.filter(pk=complaint_id).first()
    if complaint is None:
        raise NotFound(_("Attachment not found."))
    return complaint


# --- Staff ----------------------------------------------------------------------------


def can_view(user: User | None) -> bool:
    """Active ministry staff allowed to read complaints."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_ministry_staff
        and user.has_perm("complaints.view_complaint")
    )


def complaints_for_staff(actor: User | None) -> QuerySet[Complaint]:
    """Every complaint for staff who may read them; none for anyone else."""
    if not can_view(actor):
        return Complaint.objects.none()
    return Complaint.objects.all()


def overdue_q(now: datetime.datetime | None = None) -> Q:
    """Open and past the due time."""
    return Q(status__in=OPEN_STATUSES, due_at__lt=now or timezone.now())


def complaint_counts_by_program(
    *, actor: User | None, now: datetime.datetime | None = None
) -> list[dict[str, Any]]:
    """Per programme (``program_id`` None, last, for complaints about no programme): open and overdue."""
    rows = (
        complaints_for_staff(actor)
        .filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("program_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=overdue_q(now)))
        .order_by(F("program_id").asc(nulls_last=True))
    )
    return list(rows)


# --- Notifications ----------------------------------------------------------------------


def complaint_notice_context(context: dict[str, Any]) -> dict[str, Any]:
    """What the complaint notifications show, from the codes and ids stored in their context.

    Called while rendering, in the recipient's language (links included).
    """
    shown: dict[str, Any] = {}
    if "complaint_id" in context:
        shown["complaint_url"] = settings.SITE_URL + reverse(
            "complaints:detail", args=[context["complaint_id"]]
        )
        shown["triage_url"] = settings.SITE_URL + reverse(
            "admin:complaints_complaint_triage", args=[context["complaint_id"]]
        )
    if context.get("category") in ComplaintCategory.values:
        shown["category_label"] = ComplaintCategory(context["category"]).label
    if context.get("complaint_status") in ComplaintStatus.values:
        shown["status_label"] = ComplaintStatus(context["complaint_status"]).label
    if isinstance(context.get("overdue_complaints"), list):
        items = []
        for item in context["overdue_complaints"]:
            if not isinstance(item, dict) or "id" not in item:
                continue
            due_at = item.get("due_at")
            items.append(
                {
                    "id": item["id"],
                    "category_label": ComplaintCategory(item["category"]).label
                    if item.get("category") in ComplaintCategory.values
                    else "",
                    "priority_label": ComplaintPriority(item["priority"]).label
                    if item.get("priority") in ComplaintPriority.values
                    else "",
                    "due_at": timezone.localtime(datetime.datetime.fromisoformat(due_at)) if due_at else None,
                    "url": settings.SITE_URL
                    + reverse("admin:complaints_complaint_triage", args=[item["id"]]),
                }
            )
        shown["overdue_items"] = items
        shown["overdue_list_url"] = (
            settings.SITE_URL + reverse("admin:complaints_complaint_changelist") + "?overdue=yes"
        )
    return shown
