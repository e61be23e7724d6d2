from __future__ import annotations

import logging

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.paginator import Paginator
from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from p2mi_portal.errors import DomainError
from p2mi_portal.forms import add_domain_errors
from p2mi_portal.transitions import Actor
from programs.models import Program

from . import selectors, services
from .forms import ImportUploadForm, MoveForm, ReasonForm, ScoreForm, ShortlistSizeForm
from .models import (
    Application,
    ApplicationEvent,
    ApplicationExport,
    CandidateProfile,
    CompetencyCertificate,
    DeletionRequest,
    Document,
    DocumentStatus,
    ImportJob,
    ImportOutcome,
    ImportStatus,
    Interview,
    LanguageSkill,
    PersonalDataAccess,
    Province,
    Review,
    Score,
    SpreadsheetFormat,
    Stage,
)
from .pipeline import allowed_targets
from .services import imports

logger = logging.getLogger(__name__)


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
    if document.pk is None:  # a blank row of a re-shown form: nothing stored to download
        return "-"
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


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Staff select candidates here; every change of stage goes through ``application_move``."""

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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

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

    # --- Bulk actions ----------------------------------------------------------

    def _report(self, request: HttpRequest, outcome: services.BulkOutcome) -> None:
        if outcome.moved:
            moved = ", ".join(
                f"#{application.pk} → {Stage(stage).label}" for application, stage in outcome.moved
            )
            self.message_user(
                request,
                ngettext(
                    "%(count)d application moved: %(moved)s",
                    "%(count)d applications moved: %(moved)s",
                    len(outcome.moved),
                )
                % {"count": len(outcome.moved), "moved": moved},
                messages.SUCCESS,
            )
        for application, message in outcome.refused:
            self.message_user(
                request,
                _("#%(id)s %(name)s not moved: %(reason)s")
                % {"id": application.pk, "name": application.candidate.full_name, "reason": message},
                messages.ERROR,
            )

    @admin.action(
        description=_("Advance the selected applications to their next stage"), permissions=["change"]
    )
    def advance_selected(self, request: HttpRequest, queryset) -> None:
        outcome = services.application_bulk_move(
            applications=queryset.select_related("candidate").order_by("pk"),
            to_stage=None,
            actor=request.user,
        )
        self._report(request, outcome)

    @admin.action(description=_("Reject the selected applications (with a reason)"), permissions=["change"])
    def reject_selected(self, request: HttpRequest, queryset):
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            outcome = services.application_bulk_move(
                applications=queryset.select_related("candidate").order_by("pk"),
                to_stage=Stage.REJECTED,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
            self._report(request, outcome)
            return None
        return TemplateResponse(
            request,
            "admin/candidates/application/reject.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Reject applications"),
                "form": form,
                "applications": queryset.select_related("candidate", "program"),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
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


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
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


# --- Import and export ---------------------------------------------------------------------------


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Upload a BKK spreadsheet, read the dry run row by row, confirm, follow the progress."""

    list_display = (
        "id",
        "created_at",
        "original_name",
        "program",
        "status",
        "rows_total",
        "rows_new",
        "rows_created",
        "rows_failed",
        "created_by",
    )
    list_display_links = ("id", "original_name")
    list_filter = ("status", "program")
    search_fields = ("original_name", "=sha256")
    list_select_related = ("program", "created_by")
    date_hierarchy = "created_at"
    ROWS_PER_PAGE = 100

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:object_id>/import/", wrap(self.confirm_view), name="candidates_importjob_confirm"),
            path("<int:object_id>/resume/", wrap(self.resume_view), name="candidates_importjob_resume"),
            path("<int:object_id>/fail/", wrap(self.fail_view), name="candidates_importjob_fail"),
            *super().get_urls(),
        ]

    def _context(self, request: HttpRequest, **context):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **context}

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                job = imports.import_job_create(
                    actor=request.user,
                    program=data["program"],
                    track=data["track"],
                    upload=data["file"],
                    consent_confirmed=data["consent"],
                )
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                return redirect("admin:candidates_importjob_change", job.pk)
        return TemplateResponse(
            request,
            "admin/candidates/importjob/upload.html",
            self._context(
                request,
                title=_("Import candidates from a BKK spreadsheet"),
                form=form,
                columns=imports.COLUMNS,
            ),
        )

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        job = self.get_object(request, object_id)
        if job is None or not self.has_view_permission(request, job):
            raise Http404
        outcome = request.GET.get("outcome", "")
        rows = job.rows.order_by("row_number").select_related("application")
        if outcome == ImportOutcome.ERROR:
            rows = rows.filter(outcome=ImportOutcome.ERROR)
        elif outcome == "new":
            rows = rows.filter(
                outcome__in=[
                    ImportOutcome.NEW,
                    ImportOutcome.NEW_APPLICATION,
                    ImportOutcome.CREATED,
                    ImportOutcome.CREATED_APPLICATION,
                ]
            )
        elif outcome == ImportOutcome.EXISTS:
            rows = rows.filter(outcome=ImportOutcome.EXISTS)
        else:
            outcome = ""
        page = Paginator(rows, self.ROWS_PER_PAGE).get_page(request.GET.get("page"))
        can_import = (
            job.status == ImportStatus.CHECKED
            and bool(job.file)
            and not job.file_errors
            and job.rows_new > 0
            and self.has_change_permission(request, job)
        )
        return TemplateResponse(
            request,
            "admin/candidates/importjob/job.html",
            self._context(
                request,
                title=_("Import #%(id)s: %(name)s") % {"id": job.pk, "name": job.original_name},
                original=job,
                job=job,
                page=page,
                outcome=outcome,
                outcomes=[
                    ("", _("All rows")),
                    (ImportOutcome.ERROR.value, _("Errors")),
                    ("new", _("To create / created")),
                    (ImportOutcome.EXISTS.value, _("Already there")),
                ],
                can_import=can_import,
                can_change=self.has_change_permission(request, job),
                keep_days=settings.IMPORT_KEEP_DAYS,
                previous=imports.previous_imports(job),
                stalled=imports.import_job_stalled(job),
                refresh=job.is_running and not imports.import_job_stalled(job),
            ),
        )

    def _step(self, request: HttpRequest, object_id: int, step) -> ImportJob | None:
        """Run one step of a job from a POST (confirm, resume, give up): the job, or None when
        it was refused (with a message)."""
        job = ImportJob.objects.filter(pk=object_id).first()
        if job is None or not self.has_view_permission(request, job):
            raise Http404
        if not self.has_change_permission(request, job):
            raise PermissionDenied
        if request.method != "POST":
            return None
        try:
            return step(job=job, actor=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        except DatabaseError as exc:
            # A small file is imported in this request: if the database fails beyond a single row,
            # the job stays "importing" with its committed batches, to be resumed or given up.
            logger.error("import %s stopped: %s", job.pk, type(exc).__name__)
            self.message_user(
                request,
                _("The import stopped because of a database error. Resume it, or give it up, on this page."),
                messages.ERROR,
            )
        return None

    def confirm_view(self, request: HttpRequest, object_id: int):
        job = self._step(request, object_id, imports.import_job_confirm)
        if job is not None:
            self._report_progress(request, job)
        return redirect("admin:candidates_importjob_change", object_id)

    def resume_view(self, request: HttpRequest, object_id: int):
        job = self._step(request, object_id, imports.import_job_resume)
        if job is not None:
            self._report_progress(request, job)
        return redirect("admin:candidates_importjob_change", object_id)

    def fail_view(self, request: HttpRequest, object_id: int):
        if self._step(request, object_id, imports.import_job_fail) is not None:
            self.message_user(
                request,
                _(
                    "The import is given up: what it created stays, and the file is deleted. "
                    "Upload the file again to import the rest."
                ),
                messages.WARNING,
            )
        return redirect("admin:candidates_importjob_change", object_id)

    def _report_progress(self, request: HttpRequest, job: ImportJob) -> None:
        job.refresh_from_db()
        if job.status == ImportStatus.FINISHED:
            self.message_user(
                request,
                ngettext(
                    "Imported: %(count)d application created.",
                    "Imported: %(count)d applications created.",
                    job.rows_created,
                )
                % {"count": job.rows_created},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                _("The import runs in the background; this page shows its progress."),
                messages.INFO,
            )

    def get_deleted_objects(self, objs, request: HttpRequest):
        # The report's rows go with the job: listing 100,000 of them on the confirmation page helps nobody.
        # A job being imported is "protected": the admin then refuses the deletion, with its reason,
        # before deleting or logging anything (one job or several).
        jobs = list(objs)
        protected = [
            _("%(job)s: being imported; wait until it is finished, or give it up on its page.") % {"job": job}
            for job in jobs
            if job.status == ImportStatus.IMPORTING
        ]
        return [str(job) for job in jobs], {self.model._meta.verbose_name_plural: len(jobs)}, set(), protected

    def delete_model(self, request: HttpRequest, obj: ImportJob) -> None:
        imports.import_job_delete(job=obj)  # refuses (Conflict) a job that started importing meanwhile

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for job in queryset:
            imports.import_job_delete(job=job)

    def _refused(self, request: HttpRequest, exc: DomainError):
        self.message_user(request, exc.message, messages.ERROR)
        return redirect(request.get_full_path())

    def delete_view(self, request: HttpRequest, object_id: str, extra_context=None):
        # The deletion and its log entry are one transaction: a refusal undoes both, and says so
        # instead of "deleted successfully".
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:
            return self._refused(request, exc)

    def response_action(self, request: HttpRequest, queryset):
        try:
            with transaction.atomic():
                return super().response_action(request, queryset)
        except DomainError as exc:
            return self._refused(request, exc)


@admin.register(ApplicationExport)
class ApplicationExportAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
