"""Scheduled selection jobs: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from .services import offers_expire as expire_overdue_offers
from .services import offers_remind as remind_expiring_offers
from .services import recruitment_closing_remind as remind_recruitment_closing


@shared_task
def offers_expire() -> int:
    return expire_overdue_offers()


@shared_task
def offers_remind() -> int:
    return remind_expiring_offers()


@shared_task
def recruitment_closing_remind() -> int:
    return remind_recruitment_closing()


@shared_task
def import_job_check(job_id: int) -> None:
    from .services.imports import import_job_check as check

    check(job_id=job_id)


@shared_task
def import_job_run(job_id: int) -> None:
    from .services.imports import import_job_run as run

    run(job_id=job_id)


@shared_task
def import_files_forget() -> int:
    from .services.imports import import_files_forget as forget

    return forget()
