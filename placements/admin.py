"""Staff admin for training and placement.

The lists are for finding and filtering; every change is made on a worker's
journey page, whose forms call :mod:`placements.services`, so the admin never
writes around the rules.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from p2mi_portal.admin import ReadOnlyAdminMixin, ReadOnlyInline
from p2mi_portal.errors import DomainError
from p2mi_portal.forms import add_domain_errors

from . import selectors
from .forms import JOURNEY_FORMS
from .models import (
    Assessment,
    Certificate,
    ChecklistItem,
    Enrolment,
    GradeChange,
    Placement,
    PlacementEvent,
    Referral,
)


class AssessmentInline(ReadOnlyInline):
    model = Assessment
    fields = ("taken_on", "kind", "score", "max_score", "pass_mark", "passed", "note", "recorded_by")


class CertificateInline(ReadOnlyInline):
    model = Certificate
    fields = ("issuer", "number", "issued_on", "recorded_by")


class ChecklistInline(ReadOnlyInline):
    model = ChecklistItem
    fields = ("item", "confirmed_on", "confirmed_by", "note")


class GradeChangeInline(ReadOnlyInline):
    model = GradeChange
    fields = ("from_grade", "to_grade", "effective_on", "reason", "actor", "api_key")


class PlacementEventInline(ReadOnlyInline):
    model = PlacementEvent
    fields = ("from_status", "to_status", "on_date", "reason", "actor", "api_key", "created_at")


class ReferralInline(ReadOnlyInline):
    model = Referral
    fields = ("kind", "partner", "referred_on", "outcome", "outcome_on", "outcome_note")


def _journey_link(application_id: int):
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:placements_journey", args=[application_id]), _("Journey")
    )


class _ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    @admin.display(description=_("worker"), ordering="application__candidate__full_name")
    def worker(self, obj) -> str:
        return obj.application.candidate.full_name

    @admin.display(description=_("journey"))
    def journey(self, obj):
        return _journey_link(obj.application_id)


@admin.register(Enrolment)
class EnrolmentAdmin(_ReadOnlyAdmin):
    list_display = (
        "worker",
        "phase",
        "field_of_study",
        "status",
        "attendance",
        "starts_on",
        "ends_on",
        "journey",
    )
    list_filter = ("status", "phase__program", "field_of_study")
    search_fields = ("application__candidate__full_name",)
    list_select_related = ("application__candidate", "phase")
    inlines = (AssessmentInline, CertificateInline)


class OpenChecklistFilter(admin.SimpleListFilter):
    title = _("pre-departure checklist")
    parameter_name = "checklist"

    def lookups(self, request, model_admin):
        return [("open", _("Items still open")), ("complete", _("Complete"))]

    def queryset(self, request, queryset):
        # A subquery, not a join: the list counts open items, and a join would multiply them.
        open_items = ChecklistItem.objects.filter(placement=OuterRef("pk"), confirmed_on__isnull=True)
        if self.value() == "open":
            return queryset.filter(Exists(open_items))
        if self.value() == "complete":
            return queryset.filter(~Exists(open_items))
        return queryset


class PassportFlagFilter(admin.SimpleListFilter):
    title = _("passport")
    parameter_name = "passport"

    def lookups(self, request, model_admin):
        return [("flagged", _("Expires before the contract ends"))]

    def queryset(self, request, queryset):
        if self.value() == "flagged":
            return queryset.filter(passport_flagged_at__isnull=False)
        return queryset


@admin.register(Placement)
class PlacementAdmin(_ReadOnlyAdmin):
    list_display = (
        "worker",
        "track",
        "site",
        "status",
        "contract_starts",
        "contract_ends",
        "grade",
        "open_items",
        "passport_flagged_at",
        "journey",
    )
    list_filter = ("status", "application__program", "track", OpenChecklistFilter, PassportFlagFilter)
    search_fields = ("application__candidate__full_name", "site")
    list_select_related = ("application__candidate", "track")
    inlines = (ChecklistInline, PlacementEventInline, GradeChangeInline, ReferralInline)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(open_count=Count("checklist", filter=Q(checklist__confirmed_on__isnull=True)))
        )

    @admin.display(description=_("open checklist items"), ordering="open_count")
    def open_items(self, placement: Placement) -> int:
        return placement.open_count

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("journey/<int:application_id>/", wrap(self.journey_view), name="placements_journey"),
            *super().get_urls(),
        ]

    def journey_view(self, request: HttpRequest, application_id: int):
        """One worker's whole path on one page, with the forms that move it along."""
        try:
            journey = selectors.worker_journey(actor=request.user, application_id=application_id)
        except DomainError:
            raise Http404 from None
        usable = [form_class for form_class in JOURNEY_FORMS if request.user.has_perm(form_class.permission)]
        bound_action = request.POST.get("action") if request.method == "POST" else None
        forbidden = {form.action for form in JOURNEY_FORMS} - {form.action for form in usable}
        if bound_action in forbidden:
            # Staff who may only look at (part of) the journey may not change it.
            raise PermissionDenied
        forms = []
        for form_class in usable:
            bound = form_class.action == bound_action
            form = form_class(
                request.POST if bound else None,
                request.FILES if bound else None,
                application=journey.application,
                placement=journey.placement,
            )
            if bound and form.is_valid():
                try:
                    form.run(request.user)
                except DomainError as exc:
                    add_domain_errors(form, exc)
                else:
                    self.message_user(request, _("Saved: %(what)s.") % {"what": form.title}, messages.SUCCESS)
                    return redirect("admin:placements_journey", application_id)
            if bound or form.available():
                forms.append(form)
        return TemplateResponse(
            request,
            "admin/placements/journey.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Journey of %(name)s") % {"name": journey.application.candidate.full_name},
                "journey": journey,
                "forms": forms,
            },
        )
