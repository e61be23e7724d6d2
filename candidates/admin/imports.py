"""Importing candidates from BKK spreadsheets: upload, dry run, confirmation, progress."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, transaction
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from p2mi_portal.errors import DomainError
from p2mi_portal.forms import add_domain_errors

from ..forms import ImportUploadForm
from ..models import (
    ImportJob,
    ImportOutcome,
    ImportStatus,
)
from ..services import imports

logger = logging.getLogger(__name__)


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
