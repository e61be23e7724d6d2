"""Scheduled placement jobs: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def checklists_remind() -> int:
    return services.checklists_remind()


@shared_task
def passports_flag() -> int:
    return services.passports_flag()
