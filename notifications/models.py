"""The notification outbox.

A notification is the message (what the inbox shows); each channel it goes out on
(e-mail, SMS, WhatsApp) is a delivery. Both are written in the same transaction as
the event that causes them, and a Celery task sends each delivery after commit; a
delivery that is still pending is the proof that something remains to be sent.
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
    RECRUITMENT_CLOSING = "recruitment_closing", _("Recruitment closing soon")
    TRAINING_RESULT = "training_result", _("Training result")
    CHECKLIST_OPEN = "checklist_open", _("Pre-departure checklist items still open")
    PASSPORT_EXPIRING = "passport_expiring", _("Passport expires before the contract ends")
    COMPLAINT_UPDATE = "complaint_update", _("Update on your complaint")
    COMPLAINT_OVERDUE = "complaint_overdue", _("Complaint overdue")
    COMPLAINT_REPLY = "complaint_reply", _("A worker replied to a complaint")
    ACCOUNT_INVITED = "account_invited", _("An account was made for you")
    IMPORT_FINISHED = "import_finished", _("Import finished")
    PASSWORD_RESET = "password_reset", _("Set a new password")
    ACCOUNT_EXISTS = "account_exists", _("Someone tried to register with your e-mail address")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")


# About the account itself: sent by e-mail only, whatever the person chose (their links
# prove the address, or tell its owner about a try to use it).
ACCOUNT_KINDS = frozenset(
    {
        NotificationKind.ACCOUNT_VERIFICATION,
        NotificationKind.ACCOUNT_INVITED,
        NotificationKind.PASSWORD_RESET,
        NotificationKind.ACCOUNT_EXISTS,
    }
)
# A link that sets a password is only ever in the e-mail, never shown in the inbox.
HIDDEN_FROM_INBOX = frozenset({NotificationKind.PASSWORD_RESET})

# Channels that send to the recipient's phone number.
PHONE_CHANNELS = frozenset({Channel.SMS, Channel.WHATSAPP})


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent: no phone number")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40, choices=NotificationKind.choices)
    # What the templates need, as plain JSON: codes and ids rather than translated
    # text, so the message is rendered in the recipient's language when it is sent.
    context = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), db_default=Now())
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id}"


class Delivery(models.Model):
    """One notification on one channel: sent at most once, retried, or failed for staff to see."""

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), db_default=Now())
    attempted_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_one_per_channel")
        ]
        indexes = [
            # The sweep reads only pending rows, a small part of the table once most are sent.
            models.Index(
                fields=["created_at"],
                name="delivery_pending_idx",
                condition=models.Q(status=DeliveryStatus.PENDING),
            ),
            # Staff list the failures; also small.
            models.Index(
                fields=["created_at"],
                name="delivery_failed_idx",
                condition=models.Q(status=DeliveryStatus.FAILED),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.notification_id}"


# Who has not chosen gets e-mail (the address confirmed at registration) and WhatsApp
# (what most applicants read on their phone, at no cost to them); SMS costs the ministry
# per message and only adds to WhatsApp, so it is for those who ask for it.
DEFAULT_CHANNELS = {Channel.EMAIL: True, Channel.SMS: False, Channel.WHATSAPP: True}


class NotificationPreference(models.Model):
    """The channels a person gets messages on, besides the in-site inbox (which gets everything).

    No row means the defaults (``DEFAULT_CHANNELS``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
    )
    email = models.BooleanField(_("e-mail"), default=DEFAULT_CHANNELS[Channel.EMAIL])
    sms = models.BooleanField(_("SMS"), default=DEFAULT_CHANNELS[Channel.SMS])
    whatsapp = models.BooleanField(_("WhatsApp"), default=DEFAULT_CHANNELS[Channel.WHATSAPP])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=True) | models.Q(sms=True) | models.Q(whatsapp=True),
                name="notification_preference_one_channel",
                violation_error_message=_("Choose at least one way to receive messages."),
            )
        ]

    def __str__(self) -> str:
        return str(self.user_id)

    def chosen(self) -> list[str]:
        return [channel for channel in Channel.values if getattr(self, channel)]


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
    # When the fan-out last wrote a batch (or was sent): a sent, unfinished broadcast quiet for
    # a few minutes was interrupted, and the periodic sweep queues its fan-out again.
    progressed_at = models.DateTimeField(
        _("fan-out last progressed at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject
