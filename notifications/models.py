"""The notification outbox.

A notification is written in the same transaction as the event that causes it and
delivered by a Celery task after commit; a row that is still pending is the proof
that something remains to be sent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    ACCOUNT_VERIFICATION = "account_verification", _("Confirm your e-mail address")
    APPLICATION_RECEIVED = "application_received", _("Application received")
    STAGE_CHANGED = "stage_changed", _("Application stage changed")
    INTERVIEW_SCHEDULED = "interview_scheduled", _("Interview scheduled")
    SEAT_OFFERED = "seat_offered", _("Seat offered")
    DOCUMENT_REJECTED = "document_rejected", _("Document rejected")
    OFFER_EXPIRING = "offer_expiring", _("Offer expiring soon")
    BROADCAST = "broadcast", _("Message from the ministry")
    TRAINING_RESULT = "training_result", _("Training result")
    CHECKLIST_OPEN = "checklist_open", _("Pre-departure checklist items still open")
    PASSPORT_EXPIRING = "passport_expiring", _("Passport expires before the contract ends")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40, choices=NotificationKind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    # What the templates need, as plain JSON: codes and ids rather than translated
    # text, so the message is rendered in the recipient's language when it is sent.
    context = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(
        _("delivery"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), db_default=Now())
    attempted_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["recipient", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id}"


class Broadcast(models.Model):
    """A message from staff to everyone in a programme (optionally one stage or track)."""

    program = models.ForeignKey(
        "programs.Program", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="broadcasts"
    )
    stage = models.CharField(_("only at stage"), max_length=24, blank=True)
    track = models.ForeignKey(
        "programs.PlacementTrack",
        verbose_name=_("only on track"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(_("message"))
    subject_en = models.CharField(_("subject in English"), max_length=150, blank=True)
    body_en = models.TextField(_("message in English"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("written at"), db_default=Now())
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    # Progress of the fan-out: the last recipient (by user id) already given a notification,
    # so a fan-out that is run again carries on instead of writing twice.
    fanned_out_to = models.BigIntegerField(default=0, editable=False)
    finished_at = models.DateTimeField(_("all notifications written at"), null=True, blank=True)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject
