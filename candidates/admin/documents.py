"""Documents: staff verify or reject them, through ``document_review``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from p2mi_portal.admin import ReadOnlyAdminMixin
from p2mi_portal.errors import DomainError

from .. import selectors, services
from ..models import (
    Document,
    DocumentStatus,
)


def download_link(document: Document) -> str:
    if document.pk is None:  # a blank row of a re-shown form: nothing stored to download
        return "-"
    url = reverse("candidates:document_download", args=[document.pk])
    return format_html('<a href="{}">{}</a>', url, _("Download"))


def not_opened_message(document: Document, message: str) -> str:
    """The refusal to verify an unopened document, with the link that opens it."""
    url = reverse("candidates:document_download", args=[document.pk])
    return format_html('{} <a href="{}">{}</a>', message, url, _("Download the document"))


class DocumentReviewForm(forms.ModelForm):
    """The decision on a document: chosen each time, never preselected.

    Saving without a choice changes nothing; verifying needs the document opened first by
    the staff member deciding (``actor``, set by the admin), and rejecting needs a reason.
    """

    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[
            (DocumentStatus.VERIFIED.value, _("Verify")),
            (DocumentStatus.REJECTED.value, _("Reject")),
        ],
        widget=forms.RadioSelect,
        required=False,
        help_text=_("Download the document and check it before you verify it."),
    )
    actor = None

    class Meta:
        model = Document
        fields = ("rejection_reason",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["decision"] = ""

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if not decision:
            self.add_error("decision", _("Choose verify or reject."))
        elif decision == DocumentStatus.REJECTED and not (cleaned.get("rejection_reason") or "").strip():
            self.add_error("rejection_reason", _("Give the reason for the rejection: the candidate sees it."))
        elif decision == DocumentStatus.VERIFIED and not selectors.document_opened_by(
            self.actor, self.instance
        ):
            message = _("Open the document before you verify it: download it, check it, then verify.")
            self.add_error("decision", not_opened_message(self.instance, message))
        return cleaned


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Staff verify documents; the review goes through ``document_review``.

    There is no bulk "verify": each verification is a decision on a document the staff member
    has opened.
    """

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
        "status",
        "reviewed_by",
        "reviewed_at",
    )
    fields = (*readonly_fields, "decision", "rejection_reason")

    @admin.display(description=_("file"))
    def download(self, document: Document) -> str:
        return download_link(document)

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # a class made for this request: who decides
        return form

    def save_model(self, request: HttpRequest, obj: Document, form, change: bool) -> None:
        try:
            services.document_review(
                document=obj,
                status=form.cleaned_data["decision"],
                reason=form.cleaned_data.get("rejection_reason") or "",
                actor=request.user,
            )
        except DomainError as exc:
            message = exc.message
            if exc.code == "document_not_opened":
                message = not_opened_message(obj, message)
            self.message_user(request, message, messages.ERROR)
