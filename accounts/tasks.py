"""Celery tasks for accounts: thin, they call the services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def password_reset_send(email: str, site_url: str) -> int:
    # The one task that takes an e-mail address: looking it up here, not in the request,
    # makes the page answer the same for every address.
    return services.password_reset_request(email=email, site_url=site_url)


@shared_task
def login_records_forget() -> int:
    return services.login_records_forget()
