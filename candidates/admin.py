from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from p2mi_portal.errors import DomainError

from . import services
from .models import (
    Application,
    ApplicationEvent,
    CandidateProfile,
    CompetencyCertificate,
    DeletionRequest,
    Document,
    DocumentStatus,
    LanguageSkill,
    Province,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class CertificateInline(ReadOnlyInline):
    model = CompetencyCertificate
    fields = ("title", "issuer", "issuer_name", "number", "issued_on")


class LanguageInline(ReadOnlyInline):
    model = LanguageSkill
    fields = ("language", "level")


def _download_link(document: Document) -> str:
    url = reverse("candidates:document_download", args=[document.pk])
    return format_html('<a href="{}">{}</a>', url, _("Download"))


class DocumentInline(ReadOnlyInline):
    model = Document
    fields = ("kind", "status", "rejection_reason", "uploaded_at", "download")
    readonly_fields = ("download",)

    @admin.display(description=_("file"))
    def download(self, document: Document) -> str:
        return _download_link(document)


@admin.register(CandidateProfile)
class CandidateProfileAdmin(admin.ModelAdmin):
    list_display = ("full_name", "masked_nik", "province", "major", "graduation_year", "average_grade")
    list_filter = ("province", "major", "graduation_year", "sex")
    search_fields = ("full_name", "=nik", "user__email", "school_name")
    list_select_related = ("province", "major")
    readonly_fields = ("user", "anonymised_at", "created_at", "updated_at")
    autocomplete_fields = ("major",)
    inlines = [DocumentInline, CertificateInline, LanguageInline]

    @admin.display(description=_("NIK"))
    def masked_nik(self, candidate: CandidateProfile) -> str:
        return candidate.masked_nik

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # candidates register themselves


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
class DocumentAdmin(admin.ModelAdmin):
    """Staff verify documents; the review goes through ``document_review``."""

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
        return _download_link(document)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

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


class ApplicationEventInline(ReadOnlyInline):
    model = ApplicationEvent
    fields = ("created_at", "from_stage", "to_stage", "actor", "reason", "data")
    readonly_fields = fields
    ordering = ("created_at", "id")


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("id", "candidate", "program", "preferred_track", "stage", "submitted_at")
    list_filter = (
        "program",
        "stage",
        "candidate__province",
        "candidate__major",
        "candidate__graduation_year",
    )
    search_fields = ("candidate__full_name", "=candidate__nik")
    list_select_related = ("candidate", "program", "preferred_track")
    readonly_fields = (
        "candidate",
        "program",
        "preferred_track",
        "stage",
        "submitted_at",
        "consent_version",
        "consent_given_at",
    )
    inlines = [ApplicationEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(DeletionRequest)
class DeletionRequestAdmin(admin.ModelAdmin):
    list_display = ("candidate", "requested_at", "decision", "decided_at")
    list_filter = ("decision",)
    readonly_fields = ("candidate", "requested_at", "reason", "decision", "decided_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("name", "code")
