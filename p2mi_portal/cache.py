"""The shared cache, which may fail without failing a request.

The cache only remembers what can be read again (API keys) or counted again (throttling,
a dashboard refresh asked for). So when Redis is down or hung, every cache call behaves
as a miss: reads return their default, writes do nothing, ``add`` answers "already there".
Each call waits at most ``CACHE_TIMEOUT_SECONDS``; after a failure the process stops asking
Redis for ``CACHE_PAUSE_SECONDS`` (one warning per pause, not one per request), then tries
again.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
SAFE_REDIS_BACKEND = "p2mi_portal.cache.FailSafeRedisCache"

_lock = threading.Lock()
_paused_until = 0.0  # a _clock() value; 0: not paused
_clock = time.monotonic


def cache_config(config: dict[str, Any], *, timeout: float) -> dict[str, Any]:
    """``CACHES["default"]`` from django-environ's reading of ``CACHE_URL``: Redis fails safe
    and answers within ``timeout`` seconds; any other backend is kept as it is."""
    if config.get("BACKEND") != REDIS_BACKEND:
        return config
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout, **config.get("OPTIONS", {})}
    return {**config, "BACKEND": SAFE_REDIS_BACKEND, "OPTIONS": options}


def cache_paused() -> bool:
    """Whether this process is leaving the cache alone after a failure."""
    return _clock() < _paused_until


def cache_pause_reset() -> None:
    """Forget a pause (the cache is known to be back)."""
    global _paused_until
    with _lock:
        _paused_until = 0.0


def _cache_failed(exc: BaseException) -> None:
    global _paused_until
    pause = settings.CACHE_PAUSE_SECONDS
    with _lock:
        if _clock() < _paused_until:
            return  # another thread saw the same outage and has warned
        _paused_until = _clock() + pause
    # The exception's class only: the cache URL may carry a password.
    logger.warning(
        "cache unreachable (%s): working without it for %ss (API keys read from the database, no throttling)",
        type(exc).__name__,
        pause,
    )


def _fail_safe(fallback: Any):
    """Run the cache call unless paused; on a Redis error pause and answer ``fallback``
    (called with the call's arguments when it is callable)."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if not cache_paused():
                try:
                    return method(self, *args, **kwargs)
                except RedisError as exc:  # refused, timed out, hung up, read-only, out of memory
                    _cache_failed(exc)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

        return wrapper

    return decorate


def _default(key, default=None, version=None):
    return default


def _missing(key, delta=1, version=None):
    raise ValueError(f"Key {key!r} not found.")  # what Django's caches say of a missing key


class FailSafeRedisCache(RedisCache):
    """Django's Redis cache, answering like an empty cache that keeps nothing while Redis
    cannot be reached (see the module's docstring)."""

    get = _fail_safe(_default)(RedisCache.get)
    get_many = _fail_safe(lambda *args, **kwargs: {})(RedisCache.get_many)
    has_key = _fail_safe(False)(RedisCache.has_key)
    set = _fail_safe(None)(RedisCache.set)
    set_many = _fail_safe(lambda *args, **kwargs: [])(RedisCache.set_many)
    # "Already there": nothing that asks first (a refresh, a lock) runs twice or floods.
    add = _fail_safe(False)(RedisCache.add)
    touch = _fail_safe(False)(RedisCache.touch)
    delete = _fail_safe(False)(RedisCache.delete)
    delete_many = _fail_safe(None)(RedisCache.delete_many)
    incr = _fail_safe(_missing)(RedisCache.incr)
    clear = _fail_safe(False)(RedisCache.clear)

    def reachable(self) -> bool:
        """Whether Redis answers now, pause or not (for the health probe)."""
        try:
            return bool(self._cache.get_client(write=True).ping())
        except RedisError:
            return False
