"""Personal data: who read it, and requests to erase it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from .applications import Application
from .documents import Document
from .profile import CandidateProfile


class AccessDoor(models.TextChoices):
    """Where a read of personal data came through."""

    PARTNER_API = "partner_api", _("Partner API")
    DOCUMENT_DOWNLOAD = "document_download", _("Document download on the portal")


class PersonalDataAccess(models.Model):
    """A read of a candidate's personal details or documents by anyone but the candidate.

    Who (the account, and for the partner API the partner and its key), which application or
    document, when, and through which door. Written by the doors, read by auditors only.
    """

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("read by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    door = models.CharField(_("through"), max_length=24, choices=AccessDoor.choices)
    partner = models.ForeignKey(
        "programs.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    api_key = models.ForeignKey(
        "accounts.PartnerAPIKey",
        verbose_name=_("API key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    key_prefix = models.CharField(_("key prefix"), max_length=8, blank=True)
    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    document = models.ForeignKey(
        Document,
        verbose_name=_("document"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    accessed_at = models.DateTimeField(_("when"), db_default=Now())

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        ordering = ["-accessed_at", "-id"]
        indexes = [
            models.Index(fields=["application", "accessed_at"]),
            models.Index(fields=["document", "accessed_at"], name="data_access_by_document"),
        ]

    def __str__(self) -> str:
        subject = f"#{self.application_id}" if self.application_id else f"doc {self.document_id}"
        return f"{self.partner or self.reader_id} → {subject}"


class DeletionRequest(models.Model):
    """A candidate's withdrawal of consent and request to erase their personal data (UU PDP)."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting until no active application needs the data")
        ANONYMISED = "anonymised", _("Personal data anonymised")

    candidate = models.ForeignKey(
        CandidateProfile,
        verbose_name=_("candidate"),
        on_delete=models.CASCADE,
        related_name="deletion_requests",
    )
    requested_at = models.DateTimeField(_("requested at"), db_default=Now())
    reason = models.TextField(_("reason"), blank=True)
    decision = models.CharField(
        _("decision"), max_length=16, choices=Decision.choices, default=Decision.PENDING
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.candidate_id} {self.decision}"
