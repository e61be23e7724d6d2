from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from p2mi_portal.admin import ReadOnlyAdminMixin
from p2mi_portal.errors import DomainError

from . import services
from .models import Broadcast, Delivery, DeliveryStatus, Notification
from .registry import broadcast_audience_registered


class DeliveryInline(ReadOnlyAdminMixin, admin.TabularInline):
    admin_writes = ("change",)
    model = Delivery
    fields = ("channel", "status", "attempts", "last_error", "attempted_at", "sent_at", "provider_message_id")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


class DeliveryStateFilter(admin.SimpleListFilter):
    """Notifications with at least one delivery in the chosen state (e.g. any that failed)."""

    title = _("delivery")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return DeliveryStatus.choices

    def queryset(self, request, queryset):
        if self.value() in DeliveryStatus.values:
            return queryset.filter(
                pk__in=Delivery.objects.filter(status=self.value()).values("notification_id")
            )
        return queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every message, with how it went out on each channel."""

    admin_writes = ("change",)

    list_display = ("created_at", "recipient", "kind", "delivered", "read_at")
    list_filter = (DeliveryStateFilter, "kind")
    search_fields = ("recipient__email", "recipient__full_name")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    readonly_fields = ("recipient", "kind", "context", "created_at", "read_at")
    inlines = [DeliveryInline]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("deliveries")

    @admin.display(description=_("deliveries"))
    def delivered(self, obj: Notification) -> str:
        return " · ".join(
            f"{delivery.get_channel_display()}: {delivery.get_status_display()}"
            for delivery in sorted(obj.deliveries.all(), key=lambda delivery: delivery.channel)
        )


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What was sent on which channel, what is still waiting, and what failed and why."""

    admin_writes = ("change",)

    list_display = ("created_at", "recipient", "kind", "channel", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "notification__kind")
    search_fields = ("notification__recipient__email", "notification__recipient__full_name")
    list_select_related = ("notification__recipient",)
    date_hierarchy = "created_at"
    fields = (
        "notification",
        "channel",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "attempted_at",
        "sent_at",
        "provider_message_id",
    )
    readonly_fields = fields
    actions = ["send_again"]

    @admin.display(description=_("recipient"), ordering="notification__recipient")
    def recipient(self, obj: Delivery):
        return obj.notification.recipient

    @admin.display(description=_("kind"), ordering="notification__kind")
    def kind(self, obj: Delivery) -> str:
        return obj.notification.get_kind_display()

    @admin.action(description=_("Send the selected failed deliveries again"), permissions=["change"])
    def send_again(self, request: HttpRequest, queryset) -> None:
        count = services.deliveries_retry(delivery_ids=list(queryset.values_list("pk", flat=True)))
        skipped = queryset.count() - count
        self.message_user(
            request,
            ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "Only failed deliveries are sent again; %(count)d other was left as it is.",
                    "Only failed deliveries are sent again; %(count)d others were left as they are.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


class BroadcastForm(forms.ModelForm):
    stage = forms.ChoiceField(label=_("only at stage"), required=False)

    class Meta:
        model = Broadcast
        fields = ("program", "stage", "track", "subject", "body", "subject_en", "body_en")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "stage" in self.fields:  # absent once sent: everything is read-only then
            stages = broadcast_audience_registered().stages()
            self.fields["stage"].choices = [("", _("Every stage")), *stages]

    def clean(self):
        cleaned = super().clean()
        track, program = cleaned.get("track"), cleaned.get("program")
        # By id: notifications sit below programs (ADR 0007).
        if track is not None and program is not None and track.program_id != program.pk:
            self.add_error("track", _("Choose one of this programme's placement tracks."))
        return cleaned


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    """Write a message, check who it reaches and how it reads, then send it once."""

    form = BroadcastForm
    change_form_template = "admin/notifications/broadcast/change_form.html"
    list_display = (
        "created_at",
        "subject",
        "program",
        "stage",
        "track",
        "recipients",
        "sent_at",
        "finished_at",
    )
    list_filter = ("program",)
    search_fields = ("subject",)
    fields = ("program", "stage", "track", "subject", "body", "subject_en", "body_en")

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is not None and obj.sent_at is not None:
            return (*self.fields, "recipients", "sent_at", "finished_at")
        return ()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return obj is None or obj.sent_at is None

    def save_model(self, request: HttpRequest, obj: Broadcast, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            # Only the message, and only while it is unsent (once sent, the form is read-only).
            if obj.sent_at is not None:
                return
            try:
                services.broadcast_update(
                    broadcast=obj,
                    actor=request.user,
                    program=data["program"],
                    stage=data.get("stage") or "",
                    track=data.get("track"),
                    subject=data["subject"],
                    body=data["body"],
                    subject_en=data.get("subject_en") or "",
                    body_en=data.get("body_en") or "",
                )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            return
        created = services.broadcast_create(
            actor=request.user,
            program=data["program"],
            stage=data.get("stage") or "",
            track=data.get("track"),
            subject=data["subject"],
            body=data["body"],
            subject_en=data.get("subject_en") or "",
            body_en=data.get("body_en") or "",
        )
        obj.pk, obj.created_by, obj.created_at = created.pk, created.created_by, created.created_at

    def response_add(self, request: HttpRequest, obj: Broadcast, post_url_continue=None):
        # Straight to the preview: nothing is sent before staff have seen it.
        return redirect("admin:notifications_broadcast_change", obj.pk)

    def get_urls(self):
        return [
            path(
                "<int:broadcast_id>/send/",
                self.admin_site.admin_view(require_POST(self.send_view)),
                name="notifications_broadcast_send",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        broadcast = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if broadcast is not None:
            count, subject, body = services.broadcast_preview(broadcast, language=request.LANGUAGE_CODE)
            extra.update(preview_count=count, preview_subject=subject, preview_body=body)
        return super().change_view(request, object_id, form_url, extra)

    def send_view(self, request: HttpRequest, broadcast_id: int):
        broadcast = Broadcast.objects.filter(pk=broadcast_id).first()
        if broadcast is None or not self.has_change_permission(request, broadcast):
            raise Http404
        try:
            services.broadcast_send(broadcast=broadcast, actor=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(
                request,
                _("The broadcast is being sent; the number of recipients grows as the batches are written."),
                messages.SUCCESS,
            )
        return redirect("admin:notifications_broadcast_change", broadcast_id)
