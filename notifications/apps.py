from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Notification outbox and its delivery channels."""

    name = "notifications"
    verbose_name = _("Notifications")
