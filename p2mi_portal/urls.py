from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from . import views

admin.site.site_header = _("P2MI Portal administration")
admin.site.site_title = _("P2MI Portal")
admin.site.index_title = _("Ministry administration")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # The partner API speaks the language of Accept-Language (p2mi_portal.api.ApiLanguageMiddleware).
    path("api/v1/", include("p2mi_portal.api_urls")),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny]),
        name="api-schema",
    ),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(
            url_name="api-schema", authentication_classes=[], permission_classes=[AllowAny]
        ),
        name="api-docs",
    ),
]

# Indonesian pages (admin included) live at the root, English ones under /en/:
# the address alone decides the language, so a shared link reads the same for everyone.
urlpatterns += i18n_patterns(
    path("admin/dashboard/", include("dashboard.urls")),
    path("admin/", admin.site.urls),
    path("account/second-factor/", include("accounts.second_factor_urls")),
    path("account/", include("accounts.urls")),
    path("", include("candidates.urls")),
    path("", include("complaints.urls")),
    path("", include("notifications.urls")),
    path("", include("programs.urls")),
    prefix_default_language=False,
)

handler404 = "p2mi_portal.views.page_not_found"
handler500 = "p2mi_portal.views.server_error"
