"""Candidates' profiles (corrections go through the service), and the provinces."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from p2mi_portal.admin import ReadOnlyAdminMixin, ReadOnlyInline
from p2mi_portal.errors import DomainError

from .. import selectors, services
from ..models import (
    CandidateProfile,
    CompetencyCertificate,
    Document,
    LanguageSkill,
    Province,
)
from .documents import download_link


class CertificateInline(ReadOnlyInline):
    model = CompetencyCertificate
    fields = ("title", "issuer", "issuer_name", "number", "issued_on")


class LanguageInline(ReadOnlyInline):
    model = LanguageSkill
    fields = ("language", "level")


class DocumentInline(ReadOnlyInline):
    model = Document
    fields = ("kind", "status", "rejection_reason", "uploaded_at", "download")
    readonly_fields = ("download",)

    @admin.display(description=_("file"))
    def download(self, document: Document) -> str:
        return download_link(document)


@admin.register(CandidateProfile)
class CandidateProfileAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Not added here: candidates register themselves.
    admin_writes = ("change", "delete")
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

    def save_model(self, request: HttpRequest, obj: CandidateProfile, form, change: bool) -> None:
        # A correction of what a verified document proves sends it back to review and is
        # recorded in the applications' history: the service does both with the save.
        proven = selectors.proven_fields(obj)
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        try:
            services.candidate_profile_correct(candidate=obj, data=data, actor=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.refresh_from_db()
        if proven.keys() & data.keys():
            self.message_user(
                request,
                _(
                    "The documents proving the corrected details are waiting for verification again, "
                    "and the change is recorded in the candidate's active applications."
                ),
                messages.WARNING,
            )


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("name", "code")
