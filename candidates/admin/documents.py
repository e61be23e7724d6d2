"""Documents: staff verify or reject them, through ``document_review``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from p2mi_portal.admin import ReadOnlyAdminMixin
from p2mi_portal.errors import DomainError

from .. import services
from ..models import (
    Document,
    DocumentStatus,
)


def download_link(document: Document) -> str:
    if document.pk is None:  # a blank row of a re-shown form: nothing stored to download
        return "-"
    url = reverse("candidates:document_download", args=[document.pk])
    return format_html('<a href="{}">{}</a>', url, _("Download"))


class DocumentReviewForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ("status", "rejection_reason")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Staff decide; "pending" is where an upload puts a document, not a decision.
        self.fields["status"].choices = [
            (DocumentStatus.VERIFIED, DocumentStatus.VERIFIED.label),
            (DocumentStatus.REJECTED, DocumentStatus.REJECTED.label),
        ]

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("status") == DocumentStatus.REJECTED
            and not (cleaned.get("rejection_reason") or "").strip()
        ):
            self.add_error("rejection_reason", _("Give the reason for the rejection: the candidate sees it."))
        return cleaned


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Staff verify documents; the review goes through ``document_review``."""

    admin_writes = ("change", "delete")

    form = DocumentReviewForm
    list_display = ("candidate", "kind", "status", "uploaded_at", "reviewed_by")
    list_filter = ("status", "kind")
    search_fields = ("candidate__full_name", "=candidate__nik")
    list_select_related = ("candidate", "reviewed_by")
    readonly_fields = (
        "candidate",
        "kind",
        "download",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_at",
        "reviewed_by",
        "reviewed_at",
    )
    fields = (*readonly_fields, "status", "rejection_reason")
    actions = ["mark_verified"]

    @admin.display(description=_("file"))
    def download(self, document: Document) -> str:
        return download_link(document)

    def save_model(self, request: HttpRequest, obj: Document, form, change: bool) -> None:
        if "status" in form.changed_data or "rejection_reason" in form.changed_data:
            try:
                services.document_review(
                    document=obj, status=obj.status, reason=obj.rejection_reason, actor=request.user
                )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)

    @admin.action(description=_("Mark the selected documents verified"), permissions=["change"])
    def mark_verified(self, request: HttpRequest, queryset) -> None:
        done = 0
        for document in queryset:
            try:
                services.document_review(
                    document=document, status=DocumentStatus.VERIFIED, reason="", actor=request.user
                )
            except DomainError as exc:
                self.message_user(request, f"{document}: {exc.message}", messages.ERROR)
            else:
                done += 1
        if done:
            message = ngettext("%(count)d document verified.", "%(count)d documents verified.", done)
            self.message_user(request, message % {"count": done}, messages.SUCCESS)
