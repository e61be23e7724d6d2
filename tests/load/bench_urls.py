"""The portal's URLs plus the benchmark's comparison points (only in the bench settings)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from p2mi_portal.urls import urlpatterns as portal_urlpatterns

from . import bench_views

router = SimpleRouter()
router.register("naive/applications", bench_views.NaiveApplicationViewSet, basename="naive-application")

urlpatterns = [path("bench/floor/", bench_views.floor), *router.urls, *portal_urlpatterns]
