"""Computing and keeping the stored figures of the dashboard (see ``dashboard.models``)."""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from notifications.services.outbox import task_publish
from programs.models import Program, ProgramStatus

from . import selectors
from .models import FIGURES_VERSION, ProgramFigures

logger = logging.getLogger(__name__)


def program_figures_compute(*, program_id: int) -> dict:
    """The figures that count every application of the programme, one aggregate query each."""
    stages = selectors.applications_by_stage(program_id=program_id)
    return {
        "version": FIGURES_VERSION,
        "stages": stages,
        "provinces": [list(row) for row in selectors.applicants_by_province(program_id=program_id)],
        "majors": [list(row) for row in selectors.applicants_by_major(program_id=program_id)],
        "medians": [
            [median.stage, median.stays, median.days]
            for median in selectors.stage_medians(program_id=program_id)
        ],
    }


def program_figures_refresh(*, program_id: int) -> ProgramFigures | None:
    """Compute the programme's stored figures now and keep them (None: no such programme).

    The reads run outside any transaction (they may take seconds at national scale); only the
    write of the result is one.
    """
    if not Program.objects.filter(pk=program_id).exists():
        return None
    started = time.perf_counter()
    figures = program_figures_compute(program_id=program_id)
    seconds = time.perf_counter() - started
    stored = _program_figures_store(program_id=program_id, figures=figures, seconds=seconds)
    logger.info("dashboard figures of programme %s computed in %.2f s", program_id, seconds)
    return stored


@transaction.atomic
def _program_figures_store(*, program_id: int, figures: dict, seconds: float) -> ProgramFigures:
    stored, _created = ProgramFigures.objects.update_or_create(
        program_id=program_id,
        defaults={
            "applications": sum(figures["stages"].values()),
            "figures": figures,
            "computed_at": timezone.now(),
            "seconds": seconds,
        },
    )
    return stored


# A refresh asked for and not finished yet is not asked for again for this long (a worker that
# died mid-way is forgotten after it).
REQUEST_SECONDS = 15 * 60


def _request_key(program_id: int) -> str:
    return f"dashboard:figures-requested:{program_id}"


def program_figures_request(*, program_id: int) -> bool:
    """Ask a worker to compute the programme's stored figures again (at once when tasks run
    in-process). False when a refresh is already under way or the broker cannot be reached."""
    from .tasks import figures_refresh

    key = _request_key(program_id)
    if not cache.add(key, True, REQUEST_SECONDS):
        return False
    # Through the outbox's broker pause: while the broker is down a page asks it once, not each view.
    queued = task_publish(figures_refresh, program_id)
    if not queued:
        cache.delete(key)
        logger.warning("dashboard figures of programme %s: refresh not done", program_id)
    return queued


def program_figures_pending(*, program_id: int) -> bool:
    """A count of the programme's stored figures was asked for and has not finished yet."""
    return cache.get(_request_key(program_id)) is not None


def program_figures_requested_done(*, program_id: int) -> None:
    cache.delete(_request_key(program_id))


def programs_figures_request() -> int:
    """Ask for fresh figures of every programme out of draft; the number of programmes asked for."""
    program_ids = Program.objects.exclude(status=ProgramStatus.DRAFT).values_list("id", flat=True)
    return sum(program_figures_request(program_id=program_id) for program_id in program_ids)
