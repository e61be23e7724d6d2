from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "p2mi_portal"
    verbose_name = _("P2MI Portal")


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on the portal's site (malformed ids refused: see ``p2mi_portal.admin_site``)."""

    default = False  # named in INSTALLED_APPS; ``PortalConfig`` stays this app's own
    default_site = "p2mi_portal.admin_site.PortalAdminSite"
