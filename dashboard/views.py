"""The staff dashboard pages, inside the admin: a programme picker and a programme's figures.

Both are wrapped in ``admin.site.admin_view`` (``dashboard/urls.py``): anyone who is not logged
in as admin staff is sent to the admin's log-in page. Staff also need the permission to view
applications (``selectors.PERMISSION``); without it they get 403.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from complaints import selectors as complaint_selectors
from p2mi_portal.errors import NotFound

from . import panels, selectors, services
from .models import ProgramFigures


def _allowed(request: HttpRequest) -> None:
    if not selectors.dashboard_allowed(request.user):
        raise PermissionDenied


def _open_complaints(request: HttpRequest, rows: list[selectors.ProgramRow]) -> panels.Panel | None:
    """Open and overdue complaints per programme and about none (one query); None for staff who
    may not read complaints."""
    if not complaint_selectors.can_view(request.user):
        return None
    programs = {row.program.pk: row.program for row in rows}
    counts = {
        row["program_id"]: row
        for row in complaint_selectors.complaint_counts_by_program(actor=request.user, now=timezone.now())
    }
    loose = counts.pop(None, {"open": 0, "overdue": 0})
    return panels.complaints_by_program(
        [
            *(
                panels.OpenComplaints(str(program), counts[pk]["open"], counts[pk]["overdue"])
                for pk, program in programs.items()
                if pk in counts
            ),
            panels.OpenComplaints(_("Not about a programme"), loose["open"], loose["overdue"]),
        ]
    )


@require_http_methods(["GET", "HEAD"])
def index(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    rows = selectors.dashboard_programs(actor=request.user)
    return TemplateResponse(
        request,
        "admin/dashboard/index.html",
        {
            **admin.site.each_context(request),
            "title": _("Staff dashboard"),
            "rows": rows,
            "complaints": _open_complaints(request, rows),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def program(request: HttpRequest, program_id: int) -> HttpResponse:
    _allowed(request)
    try:
        row = selectors.dashboard_program(actor=request.user, program_id=program_id)
    except NotFound:
        raise Http404 from None
    program = row.program
    if request.method == "POST":
        if services.program_figures_request(program_id=program.pk):
            messages.success(request, _("The figures are being computed again."))
        elif services.program_figures_pending(program_id=program.pk):
            messages.info(request, _("The figures are already being computed; reload the page in a minute."))
        else:
            messages.error(
                request, _("The count could not be started (no worker can be reached); try again later.")
            )
        return redirect("dashboard:program", program.pk)

    stored = row.figures if row.figures is not None and row.figures.is_current else None
    pending = False
    if stored is None:
        # Never counted (or in an older shape): a worker is asked to count; only when tasks run
        # in-process (locally) is it counted in this request.
        services.program_figures_request(program_id=program.pk)
        stored = ProgramFigures.objects.filter(program_id=program.pk).first()
        stored = stored if stored is not None and stored.is_current else None
        pending = stored is None and services.program_figures_pending(program_id=program.pk)
    live = [
        panels.seats(selectors.seats_by_track(program_id=program.pk)),
        panels.training(selectors.training_progress(program_id=program.pk)),
        panels.placements(selectors.placements_by_status(program_id=program.pk)),
    ]
    # Complaints may be about health or abuse: their counts are for those who may read them.
    can_view_complaints = complaint_selectors.can_view(request.user)
    if can_view_complaints:
        live.append(
            panels.complaints(selectors.complaints_by_status(program_id=program.pk, now=timezone.now()))
        )
    counted = []
    if stored is not None:
        figures = stored.figures
        counted = [
            panels.funnel(figures["stages"]),
            panels.medians([selectors.StageMedian(*median) for median in figures["medians"]]),
            panels.provinces(figures["provinces"]),
            panels.majors(figures["majors"]),
        ]
    return TemplateResponse(
        request,
        "admin/dashboard/program.html",
        {
            **admin.site.each_context(request),
            "title": _("Dashboard: %(programme)s") % {"programme": program.localized("title")},
            "program": program,
            "stored": stored,
            "pending": pending,
            "counted": counted,
            "live": live,
            "can_view_complaints": can_view_complaints,
        },
    )
