"""The logs of personal data: who read it, who exported it, and requests to erase it."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from p2mi_portal.admin import ReadOnlyAdminMixin

from ..models import (
    ApplicationExport,
    DeletionRequest,
    PersonalDataAccess,
)


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who read which candidate's details or documents, when, and through which door.

    Read-only, and only for those given ``view_personaldataaccess`` (auditors): the ministry
    staff group does not carry it.
    """

    list_display = ("accessed_at", "reader", "door", "partner", "key_prefix", "application", "document")
    list_filter = ("door", "partner", ("reader", admin.RelatedOnlyFieldListFilter))
    search_fields = ("=application__id", "=document__id", "key_prefix", "reader__email")
    date_hierarchy = "accessed_at"
    list_select_related = ("reader", "partner", "application__program", "document__candidate")

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        # The view permission itself: Django's admin would also let "change" in.
        return request.user.has_perm("candidates.view_personaldataaccess")


@admin.register(DeletionRequest)
class DeletionRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    admin_writes = ("change", "delete")
    list_display = ("candidate", "requested_at", "decision", "decided_at")
    list_filter = ("decision",)
    readonly_fields = ("candidate", "requested_at", "reason", "decision", "decided_at")


@admin.register(ApplicationExport)
class ApplicationExportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who exported the application list, when, with which filters, and whether NIK was in full."""

    list_display = ("started_at", "exported_by", "file_format", "full_nik", "row_count", "finished_at")
    list_filter = ("file_format", "full_nik")
    date_hierarchy = "started_at"
    list_select_related = ("exported_by",)
    readonly_fields = (
        "exported_by",
        "started_at",
        "finished_at",
        "file_format",
        "filters",
        "row_count",
        "full_nik",
    )
