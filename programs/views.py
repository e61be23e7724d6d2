from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from p2mi_portal.errors import NotFound

from . import selectors
from .eligibility import describe_rules
from .forms import ProgramFilterForm


def program_list(request: HttpRequest) -> HttpResponse:
    form = ProgramFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    programs = list(selectors.program_list_public(**filters))
    rates = selectors.exchange_rates_latest()
    items = [(program, selectors.program_salary(program, rates=rates)) for program in programs]
    return render(
        request,
        "programs/program_list.html",
        {"form": form, "items": items, "filtered": bool(filters)},
    )


def program_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        program = selectors.program_get_public(code=code)
    except NotFound as exc:
        raise Http404 from exc
    phases = list(program.phases.all())
    return render(
        request,
        "programs/program_detail.html",
        {
            "program": program,
            "rules": describe_rules(program),
            "salary": selectors.program_salary(program),
            "tracks": list(program.tracks.all()),
            "phases": phases,
            "training_months": sum(phase.months for phase in phases),
        },
    )
