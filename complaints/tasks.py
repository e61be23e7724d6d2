"""Scheduled complaint jobs: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def complaints_overdue_remind() -> int:
    return services.complaints_overdue_remind()
