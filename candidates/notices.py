"""What notifications show of applications and imports, and who a broadcast reaches.

Registered with the outbox (``notifications.registry``) by ``CandidatesConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.urls import reverse

from notifications.models import Notification

from .models import Stage


def notice_context(notification: Notification, stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stage's name, and the link to an import's page, for any kind that names them."""
    shown: dict[str, Any] = {}
    if stored.get("stage") in Stage.values:
        shown["stage_label"] = Stage(stored["stage"]).label
    if "import_job_id" in stored:
        shown["import_url"] = settings.SITE_URL + reverse(
            "admin:candidates_importjob_change", args=[stored["import_job_id"]]
        )
    return shown


def broadcast_stages() -> list[tuple[str, str]]:
    """The stages a broadcast may be limited to."""
    return list(Stage.choices)
