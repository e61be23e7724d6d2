"""The documents a candidate uploads, and their review."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from programs.models import DocumentKind

from .profile import CandidateProfile


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


def document_path(document: Document, filename: str) -> str:
    # Random names: the stored path reveals neither the candidate nor the original file name.
    return f"documents/{uuid.uuid4().hex}"


class Document(models.Model):
    """One uploaded document per kind; a re-upload replaces the file."""

    candidate = models.ForeignKey(
        CandidateProfile, verbose_name=_("candidate"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(
        _("verification"), max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    rejection_reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), db_default=Now())

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["candidate", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "kind"],
                name="document_one_per_kind",
                violation_error_message=_("You already uploaded a document of this kind."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=DocumentStatus.REJECTED) | ~models.Q(rejection_reason=""),
                name="document_rejection_has_reason",
                violation_error_message=_("A rejected document needs a reason."),
            ),
            models.CheckConstraint(
                condition=models.Q(size__gt=0),
                name="document_not_empty",
                violation_error_message=_("The file is empty."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.candidate}"
