"""Background jobs of the dashboard: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def figures_refresh(program_id: int) -> None:
    try:
        services.program_figures_refresh(program_id=program_id)
    finally:
        services.program_figures_requested_done(program_id=program_id)


@shared_task
def figures_refresh_all() -> int:
    return services.programs_figures_request()
