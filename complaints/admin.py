"""Staff admin for complaints.

The list and the complaint's page are for finding and reading; every change (assignee,
priority, status with its reason, notes for staff or for the worker) is made on the
complaint's *Triage* page, whose forms call :mod:`complaints.services`, so the admin never
writes around the rules or the timeline.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from p2mi_portal.admin import ReadOnlyAdminMixin, ReadOnlyInline
from p2mi_portal.errors import DomainError
from p2mi_portal.forms import add_domain_errors

from . import selectors, services
from .forms import TRIAGE_FORMS
from .models import Complaint, ComplaintEntry


class ComplaintEntryInline(ReadOnlyInline):
    model = ComplaintEntry
    verbose_name_plural = _("timeline")
    fields = ("created_at", "kind", "actor", "change", "text", "visible_to_worker")
    readonly_fields = fields
    ordering = ("created_at", "id")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("change"))
    def change(self, entry: ComplaintEntry) -> str:
        if not (entry.from_value or entry.to_value):
            return ""
        return f"{entry.from_label or '—'} → {entry.to_label or '—'}"


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(selectors.overdue_q())
        if self.value() == "no":
            return queryset.exclude(selectors.overdue_q())
        return queryset


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Read-only here; the triage page makes every change through the services.
    change_form_template = "admin/complaints/complaint/change_form.html"
    list_display = (
        "number",
        "candidate_name",
        "category",
        "program",
        "status",
        "priority",
        "assignee",
        "due_at",
        "is_overdue",
        "created_at",
        "updated_at",
        "triage",
    )
    list_display_links = ("number", "candidate_name")
    list_filter = (
        "status",
        "priority",
        "category",
        ("program", admin.RelatedOnlyFieldListFilter),
        ("assignee", admin.RelatedOnlyFieldListFilter),
        OverdueFilter,
    )
    # By number (12 or #12) or by name; never by NIK.
    search_fields = ("candidate__full_name",)
    search_help_text = _("Search by complaint number or the candidate's name.")
    list_select_related = ("candidate", "program", "assignee")
    list_per_page = 50
    fields = (
        "candidate",
        "application",
        "program",
        "category",
        "description",
        "attachment_link",
        "status",
        "priority",
        "assignee",
        "due_at",
        "created_at",
        "updated_at",
        "resolved_at",
        "overdue_notified_at",
    )
    readonly_fields = fields
    inlines = (ComplaintEntryInline,)

    def get_queryset(self, request: HttpRequest):
        return selectors.complaints_for_staff(request.user)

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        number = search_term.strip().lstrip("#")
        if number.isascii() and number.isdigit() and len(number) < 19:
            results |= queryset.filter(pk=int(number))
        return results, duplicates

    @admin.display(description=_("number"), ordering="id")
    def number(self, complaint: Complaint) -> str:
        return f"#{complaint.pk}"

    @admin.display(description=_("candidate"), ordering="candidate__full_name")
    def candidate_name(self, complaint: Complaint) -> str:
        return complaint.candidate.full_name

    @admin.display(description=_("overdue"), boolean=True)
    def is_overdue(self, complaint: Complaint) -> bool:
        return complaint.is_open and complaint.due_at < timezone.now()

    @admin.display(description=_("triage"))
    def triage(self, complaint: Complaint) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:complaints_complaint_triage", args=[complaint.pk]),
            _("Triage"),
        )

    @admin.display(description=_("attachment"))
    def attachment_link(self, complaint: Complaint) -> str:
        if not complaint.attachment:
            return "—"
        return format_html(
            '<a href="{}">{}</a> ({})',
            reverse("complaints:attachment", args=[complaint.pk]),
            _("Download"),
            complaint.attachment_type,
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:complaint_id>/triage/", wrap(self.triage_view), name="complaints_complaint_triage"),
            *super().get_urls(),
        ]

    def triage_view(self, request: HttpRequest, complaint_id: int):
        """The complaint, its whole timeline and the forms that triage it."""
        if not services.can_triage(request.user):
            raise PermissionDenied
        complaint = (
            selectors.complaints_for_staff(request.user)
            .select_related("candidate", "program", "application", "assignee")
            .filter(pk=complaint_id)
            .first()
        )
        if complaint is None:
            raise Http404
        bound_action = request.POST.get("action") if request.method == "POST" else None
        if request.method == "POST" and bound_action not in {form.action for form in TRIAGE_FORMS}:
            self.message_user(request, _("Choose one of the forms on this page."), messages.ERROR)
            return redirect("admin:complaints_complaint_triage", complaint.pk)
        forms = []
        for form_class in TRIAGE_FORMS:
            bound = form_class.action == bound_action
            form = form_class(request.POST if bound else None, complaint=complaint)
            if bound and form.is_valid():
                try:
                    form.run(request.user)
                except DomainError as exc:
                    add_domain_errors(form, exc)
                else:
                    self.message_user(request, _("Saved: %(what)s.") % {"what": form.title}, messages.SUCCESS)
                    return redirect("admin:complaints_complaint_triage", complaint.pk)
            if bound or form.available():
                forms.append(form)
        entries = complaint.entries.select_related("actor").order_by("created_at", "id")
        return TemplateResponse(
            request,
            "admin/complaints/complaint/triage.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": complaint,
                "title": _("Triage of complaint #%(id)s") % {"id": complaint.pk},
                "complaint": complaint,
                "entries": entries,
                "forms": forms,
                "overdue": complaint.is_open and complaint.due_at < timezone.now(),
            },
        )
