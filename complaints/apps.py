from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    """Complaints from candidates and workers, and the staff triage that answers them."""

    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from notifications.models import NotificationKind
        from notifications.registry import render_context_register

        from .selectors import complaint_notice_context

        render_context_register(
            lambda notification, stored: complaint_notice_context(stored),
            kinds=(
                NotificationKind.COMPLAINT_UPDATE,
                NotificationKind.COMPLAINT_OVERDUE,
                NotificationKind.COMPLAINT_REPLY,
            ),
        )
