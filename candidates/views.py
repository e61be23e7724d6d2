from __future__ import annotations

import functools
import json
import logging

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role
from p2mi_portal.errors import DomainError, NotFound
from p2mi_portal.forms import add_domain_errors
from p2mi_portal.transitions import Actor
from programs import selectors as program_selectors
from programs.eligibility import evaluate_rules, profile_gaps
from programs.models import DocumentKind, RecruitmentState

from . import selectors, services
from .forms import (
    ApplyForm,
    CertificateForm,
    DeletionRequestForm,
    DocumentUploadForm,
    LanguageForm,
    ProfileForm,
    WithdrawForm,
)
from .models import AccessDoor, Stage
from .pipeline import allowed_targets

logger = logging.getLogger(__name__)


def candidate_view(view):
    """Logged in as a candidate; the view receives the candidate's profile."""

    @functools.wraps(view)
    @login_required
    @never_cache
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.role != Role.CANDIDATE:
            raise PermissionDenied
        candidate = services.candidate_profile_ensure(user=request.user)
        return view(request, candidate, *args, **kwargs)

    return wrapper


@candidate_view
@require_GET
def home(request: HttpRequest, candidate) -> HttpResponse:
    applications = list(selectors.applications_of(candidate))
    documents = list(selectors.documents_of(candidate))
    gaps = profile_gaps(candidate)
    return render(
        request,
        "candidates/home.html",
        {
            "candidate": candidate,
            "applications": [
                (application, Stage.WITHDRAWN in allowed_targets(application.stage, Actor.CANDIDATE))
                for application in applications
            ],
            "now": timezone.now(),
            "documents": documents,
            "profile_gaps": gaps,
            "withdraw_form": WithdrawForm(),
        },
    )


@sensitive_post_parameters("nik", "passport_number")
@candidate_view
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, candidate) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=candidate, locked=selectors.proven_fields(candidate))
    if request.method == "POST" and form.is_valid():
        try:
            services.candidate_profile_update(candidate=candidate, data=form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("candidates:profile")
    return render(
        request,
        "candidates/profile.html",
        {
            "form": form,
            "candidate": candidate,
            "certificate_form": CertificateForm(),
            "language_form": LanguageForm(),
            "certificates": candidate.certificates.all(),
            "languages": candidate.languages.all(),
        },
    )


@candidate_view
@require_POST
def certificate_add(request: HttpRequest, candidate) -> HttpResponse:
    form = CertificateForm(request.POST)
    if form.is_valid():
        try:
            services.certificate_add(candidate=candidate, data=form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Certificate added."))
    else:
        messages.error(
            request, _("The certificate was not added: %(errors)s") % {"errors": _flat_errors(form)}
        )
    return redirect("candidates:profile")


@candidate_view
@require_POST
def certificate_remove(request: HttpRequest, candidate, certificate_id: int) -> HttpResponse:
    try:
        services.certificate_remove(candidate=candidate, certificate_id=certificate_id)
    except NotFound as exc:
        raise Http404 from exc
    messages.success(request, _("Certificate removed."))
    return redirect("candidates:profile")


@candidate_view
@require_POST
def language_add(request: HttpRequest, candidate) -> HttpResponse:
    form = LanguageForm(request.POST)
    if form.is_valid():
        services.language_set(candidate=candidate, **form.cleaned_data)
        messages.success(request, _("Language saved."))
    else:
        messages.error(request, _("The language was not saved: %(errors)s") % {"errors": _flat_errors(form)})
    return redirect("candidates:profile")


@candidate_view
@require_POST
def language_remove(request: HttpRequest, candidate, skill_id: int) -> HttpResponse:
    try:
        services.language_remove(candidate=candidate, skill_id=skill_id)
    except NotFound as exc:
        raise Http404 from exc
    messages.success(request, _("Language removed."))
    return redirect("candidates:profile")


def _flat_errors(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@candidate_view
@require_http_methods(["GET", "POST"])
def documents(request: HttpRequest, candidate) -> HttpResponse:
    form = DocumentUploadForm(
        request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_upload(
                candidate=candidate, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(
                request, _("%(kind)s uploaded. Staff will verify it.") % {"kind": document.get_kind_display()}
            )
            return redirect("candidates:documents")
    uploaded = {document.kind: document for document in selectors.documents_of(candidate)}
    rows = [(kind, label, uploaded.get(kind)) for kind, label in DocumentKind.choices]
    return render(request, "candidates/documents.html", {"form": form, "rows": rows})


@login_required
@require_GET
def document_download(request: HttpRequest, document_id: int) -> FileResponse:
    try:
        document = selectors.document_for_download(actor=request.user, document_id=document_id)
    except NotFound as exc:
        raise Http404 from exc
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[document.content_type]
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:  # ValueError: no file recorded at all
        logger.warning("document %s: the stored file is missing", document.pk)
        raise Http404 from exc
    services.document_read_record(reader=request.user, document=document, door=AccessDoor.DOCUMENT_DOWNLOAD)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{document.kind}.{extension}",
        content_type=document.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@candidate_view
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, candidate, code: str) -> HttpResponse:
    try:
        program = program_selectors.program_get_public(code=code)
    except NotFound as exc:
        raise Http404 from exc
    existing = selectors.application_for_program(candidate=candidate, program=program)
    if existing:
        messages.info(request, _("You have already applied to this programme."))
        return redirect("candidates:home")
    form = ApplyForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(
                candidate=candidate,
                program=program,
                track=form.cleaned_data["track"],
                consent=form.cleaned_data["consent"],
            )
        except DomainError as exc:
            if exc.code == "already_applied":
                messages.info(request, exc.message)
                return redirect("candidates:home")
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Your application is submitted. Follow its progress here."))
            return redirect("candidates:home")
    results = evaluate_rules(program, candidate)
    state = program.recruitment_state()
    return render(
        request,
        "candidates/apply.html",
        {
            "program": program,
            "form": form,
            "results": results,
            "all_met": all(result.met for result in results),
            "recruitment_open": state == RecruitmentState.OPEN,
            "state": state,
        },
    )


@candidate_view
@require_POST
def application_withdraw(request: HttpRequest, candidate, application_id: int) -> HttpResponse:
    try:
        application = selectors.application_of(candidate=candidate, application_id=application_id)
    except NotFound as exc:
        raise Http404 from exc
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.application_withdraw(application=application, actor=request.user, reason=reason)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your application is withdrawn."))
    return redirect("candidates:home")


@candidate_view
@require_POST
def offer_answer(request: HttpRequest, candidate, application_id: int) -> HttpResponse:
    try:
        application = selectors.application_of(candidate=candidate, application_id=application_id)
    except NotFound as exc:
        raise Http404 from exc
    decision = request.POST.get("decision")
    if decision not in {"accept", "decline"}:
        messages.error(request, _("Choose whether you accept or decline the offer."))
        return redirect("candidates:home")
    try:
        services.application_answer_offer(
            application=application, actor=request.user, accept=decision == "accept"
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if decision == "accept":
            messages.success(
                request, _("You accepted the seat. The ministry will contact you about training.")
            )
        else:
            messages.success(request, _("You declined the offer. The seat goes to the next candidate."))
    return redirect("candidates:home")


@candidate_view
@require_http_methods(["GET", "POST"])
def data_rights(request: HttpRequest, candidate) -> HttpResponse:
    form = DeletionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        deletion = services.deletion_request_create(candidate=candidate, reason=form.cleaned_data["reason"])
        if deletion.decision == deletion.Decision.ANONYMISED:
            logout(request)
            messages.success(
                request, _("Your personal data has been erased. Thank you for using the portal.")
            )
            return redirect("programs:list")
        messages.success(
            request,
            _(
                "Your request is recorded. Your data will be erased as soon as none of your "
                "applications is active."
            ),
        )
        return redirect("candidates:data")
    return render(
        request,
        "candidates/data.html",
        {"form": form, "requests": candidate.deletion_requests.all(), "candidate": candidate},
    )


@candidate_view
@require_GET
def data_export(request: HttpRequest, candidate) -> HttpResponse:
    payload = json.dumps(selectors.candidate_data_export(candidate), ensure_ascii=False, indent=2)
    response = HttpResponse(payload, content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="p2mi-data-{stamp}.json"'
    response["Cache-Control"] = "private, no-store"
    return response
