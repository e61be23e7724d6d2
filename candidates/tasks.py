"""Scheduled selection jobs: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from .services import offers_expire as expire_overdue_offers


@shared_task
def offers_expire() -> int:
    return expire_overdue_offers()
