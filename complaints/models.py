"""Complaints: a candidate's or worker's report of a problem, and the staff triage around it.

A complaint is written and changed only by :mod:`complaints.services`; every change leaves a
:class:`ComplaintEntry` in its timeline, and the worker sees the entries marked visible.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class ComplaintCategory(models.TextChoices):
    UNPAID_WAGES = "unpaid_wages", _("Unpaid wages")
    CONTRACT_VIOLATION = "contract_violation", _("Contract violation")
    ABUSE = "abuse", _("Abuse or violence")
    ILLEGAL_RECRUITER = "illegal_recruiter", _("Illegal recruiter")
    DOCUMENT_HELD = "document_held", _("Document held by the employer")
    HEALTH = "health", _("Health")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_FOR_WORKER = "waiting_for_worker", _("Waiting for the worker")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# A complaint still needs the ministry while it is in one of these; only these can be overdue.
OPEN_STATUSES = (ComplaintStatus.NEW, ComplaintStatus.IN_PROGRESS, ComplaintStatus.WAITING_FOR_WORKER)


class ComplaintPriority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


# How long the ministry has to resolve a complaint of each priority, counted from filing.
DUE_WITHIN = {
    ComplaintPriority.URGENT: datetime.timedelta(days=1),
    ComplaintPriority.HIGH: datetime.timedelta(days=3),
    ComplaintPriority.NORMAL: datetime.timedelta(days=7),
    ComplaintPriority.LOW: datetime.timedelta(days=14),
}


def attachment_path(complaint: Complaint, filename: str) -> str:
    # Random names, as for documents: the path reveals neither the worker nor the file's name.
    return f"complaints/{uuid.uuid4().hex}"


class Complaint(models.Model):
    candidate = models.ForeignKey(
        "candidates.CandidateProfile",
        verbose_name=_("candidate"),
        on_delete=models.CASCADE,
        related_name="complaints",
    )
    # The application (and so the programme) the complaint is about, when it is about one;
    # the programme is kept beside it so the dashboard counts per programme without a join.
    application = models.ForeignKey(
        "candidates.Application",
        verbose_name=_("application"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
    )
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("programme"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
    )
    category = models.CharField(_("category"), max_length=32, choices=ComplaintCategory.choices)
    description = models.TextField(_("description"), max_length=5000)
    attachment = models.FileField(_("attachment"), upload_to=attachment_path, max_length=200, blank=True)
    attachment_name = models.CharField(_("attachment file name"), max_length=200, blank=True)
    attachment_type = models.CharField(_("attachment content type"), max_length=50, blank=True)
    status = models.CharField(
        _("status"), max_length=24, choices=ComplaintStatus.choices, default=ComplaintStatus.NEW
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=ComplaintPriority.choices, default=ComplaintPriority.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_complaints",
    )
    due_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField(_("filed at"), db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), db_default=Now())
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # When the assignee was last told the complaint is overdue, so the reminder goes once a day.
    overdue_notified_at = models.DateTimeField(_("overdue reminder sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["program", "status"], name="complaint_program_status"),
            models.Index(fields=["status", "due_at"], name="complaint_status_due"),
            models.Index(fields=["assignee", "status"], name="complaint_assignee_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(category__in=ComplaintCategory.values),
                name="complaint_category_known",
                violation_error_message=_("Choose one of the listed categories."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ComplaintStatus.values),
                name="complaint_status_known",
                violation_error_message=_("Unknown complaint status."),
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=ComplaintPriority.values),
                name="complaint_priority_known",
                violation_error_message=_("Unknown complaint priority."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in OPEN_STATUSES], resolved_at__isnull=True)
                | (
                    ~models.Q(status__in=[s.value for s in OPEN_STATUSES])
                    & models.Q(resolved_at__isnull=False)
                ),
                name="complaint_resolved_at_when_finished",
                violation_error_message=_("A resolved or closed complaint needs the time it was resolved."),
            ),
        ]

    def __str__(self) -> str:
        return _("Complaint #%(number)s") % {"number": self.pk}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ComplaintEntryKind(models.TextChoices):
    FILED = "filed", _("Filed")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    PRIORITY = "priority", _("Priority changed")
    NOTE = "note", _("Note")
    WORKER_REPLY = "worker_reply", _("Reply from the worker")


class ComplaintEntry(models.Model):
    """One line of a complaint's timeline: who did what, when, and whether the worker sees it."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ComplaintEntryKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    from_value = models.CharField(_("from"), max_length=200, blank=True)
    to_value = models.CharField(_("to"), max_length=200, blank=True)
    text = models.TextField(_("text"), max_length=5000, blank=True)
    visible_to_worker = models.BooleanField(_("visible to the worker"), default=False)
    created_at = models.DateTimeField(_("when"), db_default=Now())

    class Meta:
        verbose_name = _("complaint timeline entry")
        verbose_name_plural = _("complaint timeline")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["complaint", "created_at"], name="complaint_entry_timeline")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ComplaintEntryKind.values),
                name="complaint_entry_kind_known",
                violation_error_message=_("Unknown timeline entry kind."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.complaint_id}"

    def _label(self, value: str) -> str:
        # Statuses and priorities are stored as codes and read by their labels; names as written.
        choices = {
            ComplaintEntryKind.FILED: ComplaintStatus,
            ComplaintEntryKind.STATUS: ComplaintStatus,
            ComplaintEntryKind.PRIORITY: ComplaintPriority,
        }.get(self.kind)
        if choices is not None and value in choices.values:
            return str(choices(value).label)
        return value

    @property
    def from_label(self) -> str:
        return self._label(self.from_value)

    @property
    def to_label(self) -> str:
        return self._label(self.to_value)
