"""What the account notifications show: links made when they are sent.

Registered with the outbox (``notifications.registry``) by ``AccountsConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.urls import reverse

from notifications.models import Notification, NotificationKind

from .services import invitation_link, password_reset_link, verification_link

KINDS = (
    NotificationKind.ACCOUNT_VERIFICATION,
    NotificationKind.ACCOUNT_INVITED,
    NotificationKind.PASSWORD_RESET,
    NotificationKind.ACCOUNT_EXISTS,
)


def notice_context(notification: Notification, stored: Mapping[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    if notification.kind == NotificationKind.ACCOUNT_VERIFICATION:
        shown["user"] = notification.recipient
        shown["link"] = verification_link(
            user=notification.recipient, site_url=stored.get("site_url") or settings.SITE_URL
        )
        shown["hours"] = settings.PASSWORD_RESET_TIMEOUT // 3600
    if notification.kind == NotificationKind.ACCOUNT_INVITED:
        shown["link"] = invitation_link(user=notification.recipient, site_url=settings.SITE_URL)
        shown["hours"] = settings.PASSWORD_RESET_TIMEOUT // 3600
        shown["password_reset_url"] = settings.SITE_URL + reverse("accounts:password_reset")
    if notification.kind == NotificationKind.PASSWORD_RESET:
        # Made now, when it is sent: no token is stored, and setting a password ends it.
        shown["link"] = password_reset_link(
            user=notification.recipient, site_url=stored.get("site_url") or settings.SITE_URL
        )
        shown["hours"] = settings.PASSWORD_RESET_TIMEOUT // 3600
    if notification.kind in (NotificationKind.ACCOUNT_EXISTS, NotificationKind.PASSWORD_RESET):
        site_url = (stored.get("site_url") or settings.SITE_URL).rstrip("/")
        shown["login_url"] = site_url + reverse("accounts:login")
        shown["password_reset_url"] = site_url + reverse("accounts:password_reset")
    return shown
