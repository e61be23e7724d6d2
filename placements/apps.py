from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacementsConfig(AppConfig):
    """Training enrolments, placements, departure and return."""

    name = "placements"
    verbose_name = _("Placements")
