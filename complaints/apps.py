from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    """Complaints from candidates and workers, and the staff triage that answers them."""

    name = "complaints"
    verbose_name = _("Complaints")
