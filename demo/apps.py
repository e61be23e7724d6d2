from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data to try the portal with (``manage.py load_demo``); above every other app."""

    name = "demo"
    verbose_name = _("Demo data")
