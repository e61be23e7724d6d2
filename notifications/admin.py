from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What was sent to whom, what is still waiting, and what failed and why."""

    list_display = ("created_at", "recipient", "kind", "channel", "status", "attempts", "sent_at", "read_at")
    list_filter = ("status", "kind", "channel")
    search_fields = ("recipient__email", "recipient__full_name")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "recipient",
        "kind",
        "channel",
        "context",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "attempted_at",
        "sent_at",
        "read_at",
    )
    actions = ["send_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description=_("Send the selected failed notifications again"), permissions=["change"])
    def send_again(self, request: HttpRequest, queryset) -> None:
        count = services.notifications_retry(notification_ids=list(queryset.values_list("pk", flat=True)))
        skipped = queryset.count() - count
        self.message_user(
            request,
            ngettext("%(count)d notification queued again.", "%(count)d notifications queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "Only failed notifications are sent again; %(count)d other was left as it is.",
                    "Only failed notifications are sent again; %(count)d others were left as they are.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
