"""Site-wide views: health probe and error pages."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from p2mi_portal.celery import app as celery_app

from .api import error_body

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure means "not healthy"; the probe itself must not fail
        logger.warning("health check: database unreachable", exc_info=True)
        return False


def _broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.PORTAL_HEALTH_BROKER_TIMEOUT)
        return "ok"
    except Exception:
        logger.warning("health check: broker unreachable", exc_info=True)
        return "unavailable"


def _cache_state() -> str:
    reachable = getattr(cache, "reachable", None)
    if reachable is None:  # a cache in this process's memory (local use)
        return "in-process"
    if reachable():
        return "ok"
    logger.warning("health check: cache unreachable")
    return "unavailable"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and cache status for the load balancer: 200 when the portal can
    serve, 503 when not.

    A cache outage is "degraded", still 200: every request is answered without it (API keys
    are read from the database, throttling pauses), and as every web process shares the
    same Redis, taking them out of the balancer for it would stop a portal that works.
    """
    database = "ok" if _database_ok() else "unavailable"
    broker = _broker_state()
    cache_state = _cache_state()
    healthy = database == "ok" and broker in {"ok", "in-process"}
    status = "unavailable" if not healthy else "degraded" if cache_state == "unavailable" else "ok"
    return JsonResponse(
        {"status": status, "database": database, "broker": broker, "cache": cache_state},
        status=200 if healthy else 503,
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """JSON in the API's error shape under /api/, the site's page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        return JsonResponse(error_body("server_error", _("Something went wrong on our side.")), status=500)
    return defaults.server_error(request)
