"""Applications: the selection list, one application's page, moves, scores and the shortlist."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from p2mi_portal.admin import ReadOnlyAdminMixin, ReadOnlyInline
from p2mi_portal.errors import DomainError
from p2mi_portal.forms import add_domain_errors
from p2mi_portal.transitions import Actor
from programs.models import Program

from .. import selectors, services
from ..forms import MoveForm, ScoreForm, ShortlistSizeForm
from ..models import (
    Application,
    ApplicationEvent,
    Interview,
    Review,
    Score,
    SpreadsheetFormat,
    Stage,
)
from ..pipeline import allowed_targets
from .bulk import BulkMovesMixin
from .filters import DocumentStateFilter, ExportChangeList, ScoreBandFilter


class ApplicationEventInline(ReadOnlyInline):
    model = ApplicationEvent
    verbose_name_plural = _("history")
    fields = ("created_at", "from_stage", "to_stage", "actor_name", "reason", "data")
    readonly_fields = fields
    ordering = ("created_at", "id")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("by"))
    def actor_name(self, event: ApplicationEvent) -> str:
        if event.actor is None:
            return _("System")
        return f"{event.actor.full_name or event.actor.email} ({event.actor.get_role_display()})"


class ScoreInline(ReadOnlyInline):
    model = Score
    fields = ("criterion", "value", "scorer", "comment", "scored_at")
    readonly_fields = fields


class ReviewInline(ReadOnlyInline):
    model = Review
    verbose_name_plural = _("partner reviews")
    fields = ("created_at", "partner", "reviewer", "score", "recommendation", "comment")
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(BulkMovesMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Staff select candidates here; every change of stage goes through ``application_move``."""

    admin_writes = ("change",)

    change_form_template = "admin/candidates/application/change_form.html"
    change_list_template = "admin/candidates/application/change_list.html"
    list_display = (
        "id",
        "candidate_name",
        "masked_nik",
        "program",
        "preferred_track",
        "track",
        "stage",
        "score_total",
        "rank",
        "submitted_at",
    )
    list_display_links = ("id", "candidate_name")
    list_filter = (
        "program",
        "stage",
        "preferred_track",
        "candidate__province",
        "candidate__major",
        "candidate__graduation_year",
        ScoreBandFilter,
        DocumentStateFilter,
    )
    search_fields = ("candidate__full_name", "=candidate__nik")
    list_select_related = ("candidate", "program", "preferred_track", "track")
    list_per_page = 50
    readonly_fields = (
        "candidate",
        "program",
        "preferred_track",
        "stage",
        "track",
        "offer_expires_at",
        "score_total",
        "interview_details",
        "submitted_at",
        "consent_version",
        "consent_given_at",
    )
    inlines = [ScoreInline, ReviewInline, ApplicationEventInline]
    actions = ["advance_selected", "reject_selected"]

    def get_queryset(self, request: HttpRequest):
        return selectors.with_rank(super().get_queryset(request))

    def get_urls(self):
        urls = super().get_urls()
        wrap = self.admin_site.admin_view
        return [
            path("<int:object_id>/move/", wrap(self.move_view), name="candidates_application_move"),
            path("<int:object_id>/scores/", wrap(self.scores_view), name="candidates_application_scores"),
            path(
                "shortlist/<int:program_id>/",
                wrap(self.shortlist_view),
                name="candidates_application_shortlist",
            ),
            path("export/<str:file_format>/", wrap(self.export_view), name="candidates_application_export"),
            *urls,
        ]

    @admin.display(description=_("candidate"), ordering="candidate__full_name")
    def candidate_name(self, application: Application) -> str:
        return application.candidate.full_name

    @admin.display(description=_("NIK"))
    def masked_nik(self, application: Application) -> str:
        return application.candidate.masked_nik

    @admin.display(description=_("rank"), ordering="rank")
    def rank(self, application: Application):
        return application.rank

    @admin.display(description=_("interview"))
    def interview_details(self, application: Application) -> str:
        interview = Interview.objects.filter(application=application).first()
        if interview is None:
            return "—"
        where = " · ".join(part for part in (interview.place, interview.online_link) if part)
        return format_html(
            "{} WIB<br>{}<br>{}: {}",
            date_format(timezone.localtime(interview.starts_at), "DATETIME_FORMAT"),
            where,
            _("Interviewer"),
            interview.interviewer,
        )

    # --- One application -------------------------------------------------------

    def _application_or_404(self, request: HttpRequest, object_id: int) -> Application:
        application = self.get_object(request, str(object_id))
        if application is None or not self.has_change_permission(request, application):
            raise Http404
        return application

    def _page(self, request: HttpRequest, template: str, application: Application | None, **context):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": application,
                **context,
            },
        )

    def move_view(self, request: HttpRequest, object_id: int):
        application = self._application_or_404(request, object_id)
        targets = allowed_targets(application.stage, Actor.STAFF)
        form = MoveForm(request.POST or None, application=application, targets=targets)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.application_move(
                    application=application,
                    to_stage=data["to_stage"],
                    actor=request.user,
                    reason=data["reason"],
                    track=data["track"],
                    offer_deadline=data["offer_deadline"],
                    interview=form.interview_slot(),
                )
            except DomainError as exc:
                add_domain_errors(form, exc, MoveForm.SERVICE_FIELDS)
            else:
                self.message_user(
                    request,
                    _("Application #%(id)s is now at “%(stage)s”.")
                    % {"id": application.pk, "stage": application.get_stage_display()},
                    messages.SUCCESS,
                )
                return redirect("admin:candidates_application_change", application.pk)
        return self._page(
            request,
            "admin/candidates/application/move.html",
            application,
            title=_("Move application #%(id)s") % {"id": application.pk},
            form=form,
        )

    def scores_view(self, request: HttpRequest, object_id: int):
        application = self._application_or_404(request, object_id)
        criteria = list(application.program.criteria.all())
        existing = {score.criterion_id: score for score in application.scores.select_related("scorer")}
        form = ScoreForm(request.POST or None, criteria=criteria, scores=existing)
        if request.method == "POST" and form.is_valid():
            try:
                services.application_scores_set(
                    application=application, scores=form.scores(), scorer=request.user
                )
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                self.message_user(
                    request,
                    _("Scores saved. Total: %(total)s.") % {"total": application.score_total},
                    messages.SUCCESS,
                )
                return redirect("admin:candidates_application_change", application.pk)
        return self._page(
            request,
            "admin/candidates/application/scores.html",
            application,
            title=_("Scores of application #%(id)s") % {"id": application.pk},
            form=form,
            criteria=criteria,
        )

    def shortlist_view(self, request: HttpRequest, program_id: int):
        if not self.has_change_permission(request):
            raise PermissionDenied
        program = Program.objects.filter(pk=program_id).first()
        if program is None:
            raise Http404
        size_form = ShortlistSizeForm(request.GET or None)
        size = size_form.cleaned_data.get("size") if size_form.is_valid() else None
        proposal, proposed = selectors.shortlist_proposal(program=program, size=size)
        if request.method == "POST":
            chosen = {int(pk) for pk in request.POST.getlist("application") if pk.isdigit()}
            outcome = services.application_bulk_move(
                applications=[application for application in proposal if application.pk in chosen],
                to_stage=Stage.SHORTLISTED,
                actor=request.user,
            )
            if not chosen:
                self.message_user(request, _("Tick the applications to shortlist."), messages.WARNING)
            self._report(request, outcome)
            return redirect(request.get_full_path())
        return self._page(
            request,
            "admin/candidates/application/shortlist.html",
            None,
            title=_("Shortlist proposal: %(program)s") % {"program": program.localized("title")},
            program=program,
            proposal=[(application, index < proposed) for index, application in enumerate(proposal)],
            proposed=proposed,
            size_form=size_form,
        )

    # --- Export ----------------------------------------------------------------

    def get_changelist(self, request: HttpRequest, **kwargs):
        if getattr(request, "exporting_applications", False):
            return ExportChangeList
        return super().get_changelist(request, **kwargs)

    def export_view(self, request: HttpRequest, file_format: str):
        """The list as it is filtered, searched and ordered on screen, as CSV or XLSX, streamed."""
        if file_format not in SpreadsheetFormat.values:
            raise Http404
        if not self.has_view_permission(request):
            raise PermissionDenied
        request.exporting_applications = True
        try:
            changelist = self.get_changelist_instance(request)
        except (IncorrectLookupParameters, SuspiciousOperation):
            self.message_user(
                request, _("These filters cannot be exported; choose them again on the list."), messages.ERROR
            )
            return redirect("admin:candidates_application_changelist")
        try:
            export = services.application_export_start(
                actor=request.user, file_format=file_format, filters=dict(request.GET.lists())
            )
        except DomainError as exc:
            raise PermissionDenied(exc.message) from exc
        response = StreamingHttpResponse(
            services.application_export_stream(
                export=export, actor=request.user, applications=changelist.queryset
            ),
            content_type=services.exports.CONTENT_TYPES[file_format],
        )
        response["Content-Disposition"] = f'attachment; filename="{services.export_file_name(file_format)}"'
        response["Cache-Control"] = "no-store"
        return response

    def changelist_view(self, request: HttpRequest, extra_context=None):
        programs = Program.objects.order_by("-recruitment_opens").only("pk", "code", "title", "title_en")
        return super().changelist_view(
            request,
            {
                **(extra_context or {}),
                "shortlist_programs": programs,
                "can_import": request.user.has_perm("candidates.add_importjob"),
                "exports_full_nik": request.user.has_perm(services.FULL_NIK_PERMISSION),
            },
        )
