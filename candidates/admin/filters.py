"""The application list's filters, and the list an export takes its rows from."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..models import (
    Document,
    DocumentStatus,
)


class ScoreBandFilter(admin.SimpleListFilter):
    title = _("score")
    parameter_name = "score"

    def lookups(self, request, model_admin):
        return [
            ("80", _("80 and above")),
            ("60", _("60 to under 80")),
            ("0", _("under 60")),
            ("none", _("not scored")),
        ]

    def queryset(self, request, queryset):
        bands = {
            "80": Q(score_total__gte=80),
            "60": Q(score_total__gte=60, score_total__lt=80),
            "0": Q(score_total__lt=60),
            "none": Q(score_total__isnull=True),
        }
        return queryset.filter(bands[self.value()]) if self.value() in bands else queryset


class DocumentStateFilter(admin.SimpleListFilter):
    title = _("documents")
    parameter_name = "documents"

    def lookups(self, request, model_admin):
        return [
            ("rejected", _("some rejected")),
            ("pending", _("some waiting for verification")),
            ("verified", _("all uploaded ones verified")),
        ]

    def queryset(self, request, queryset):
        def having(status):
            return Exists(Document.objects.filter(candidate=OuterRef("candidate"), status=status))

        if self.value() == "rejected":
            return queryset.filter(having(DocumentStatus.REJECTED))
        if self.value() == "pending":
            return queryset.filter(having(DocumentStatus.PENDING))
        if self.value() == "verified":
            return queryset.filter(
                having(DocumentStatus.VERIFIED),
                ~having(DocumentStatus.PENDING),
                ~having(DocumentStatus.REJECTED),
            )
        return queryset


class ExportChangeList(ChangeList):
    """The list's filters, search and ordering, without counting or fetching a page of it."""

    def get_results(self, request: HttpRequest) -> None:
        self.result_list, self.result_count, self.full_result_count = [], 0, 0
        self.can_show_all, self.multi_page = False, False
