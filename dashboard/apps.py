from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The staff dashboard: per-programme figures and charts from aggregate queries."""

    name = "dashboard"
    verbose_name = _("Staff dashboard")
