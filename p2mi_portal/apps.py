from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "p2mi_portal"
    verbose_name = _("P2MI Portal")
