"""The worker's complaint pages: file one, follow it, reply; and the attachment's download."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from candidates.views import candidate_view
from p2mi_portal.errors import DomainError, NotFound
from p2mi_portal.forms import add_domain_errors

from . import selectors, services
from .forms import ComplaintForm, ReplyForm

EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@candidate_view
@require_http_methods(["GET", "POST"])
def complaint_list(request: HttpRequest, candidate) -> HttpResponse:
    posted = request.method == "POST"
    form = ComplaintForm(
        request.POST if posted else None, request.FILES if posted else None, candidate=candidate
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = services.complaint_file(
                candidate=candidate,
                category=data["category"],
                description=data["description"],
                application=data["application"],
                attachment=data["attachment"] or None,
            )
        except DomainError as exc:
            add_domain_errors(form, exc, ComplaintForm.SERVICE_FIELDS)
        else:
            messages.success(
                request,
                _("Your complaint #%(id)s is filed. The ministry will answer you here.")
                % {"id": complaint.pk},
            )
            return redirect("complaints:detail", complaint.pk)
    return render(
        request,
        "complaints/list.html",
        {"form": form, "complaints": selectors.complaints_of(candidate)},
    )


@candidate_view
@require_http_methods(["GET", "POST"])
def complaint_detail(request: HttpRequest, candidate, complaint_id: int) -> HttpResponse:
    try:
        complaint = selectors.complaint_of(candidate=candidate, complaint_id=complaint_id)
    except NotFound as exc:
        raise Http404 from exc
    posted = request.method == "POST"
    form = ReplyForm(request.POST if posted else None)
    if posted and form.is_valid():
        try:
            services.complaint_reply(complaint=complaint, text=form.cleaned_data["text"], actor=request.user)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Your reply is sent to the ministry."))
            return redirect("complaints:detail", complaint.pk)
    return render(
        request,
        "complaints/detail.html",
        {
            "complaint": complaint,
            "entries": selectors.timeline_for_worker(complaint).select_related("actor"),
            "form": form,
        },
    )


@login_required
@never_cache
@require_GET
def complaint_attachment(request: HttpRequest, complaint_id: int) -> FileResponse:
    try:
        complaint = selectors.complaint_for_download(actor=request.user, complaint_id=complaint_id)
    except NotFound as exc:
        raise Http404 from exc
    extension = EXTENSIONS.get(complaint.attachment_type, "bin")
    try:
        handle = complaint.attachment.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"complaint-{complaint.pk}.{extension}",
        content_type=complaint.attachment_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response
