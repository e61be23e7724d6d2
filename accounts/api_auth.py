"""How the partner API knows who is calling: the partner's API key, its cache and its throttle.

Named in ``REST_FRAMEWORK`` (settings), so every API view requires a key by default;
the rest of the API's plumbing (error shape, renderers, parsers) is ``p2mi_portal.api``'s.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

from .models import PartnerAPIKey, User


def api_key_cache_key(prefix: str) -> str:
    return f"api-key:{prefix}"


class PartnerKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <prefix>.<secret>``; the request acts as the key's partner user."""

    keyword = "Api-Key"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        keyword, _space, key = header.partition(" ")
        if keyword != self.keyword:
            return None
        key = key.strip()
        if not key or len(key) > 100 or "." not in key:
            raise exceptions.AuthenticationFailed(_("The API key is not valid."))
        api_key = self._usable_key(key.partition(".")[0])
        if api_key is None or not api_key.is_valid(key):
            raise exceptions.AuthenticationFailed(_("The API key is not valid."))
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed(_("The API key has expired."))
        user = api_key.user
        if not user.is_active or user.partner_id is None:
            raise exceptions.AuthenticationFailed(_("The API key is not valid."))
        return user, api_key

    # In the models' field order: ``Model.from_db`` assigns values in that order.
    _KEY_FIELDS = tuple(field.attname for field in PartnerAPIKey._meta.concrete_fields)
    _USER_FIELDS = tuple(
        field.attname
        for field in User._meta.concrete_fields
        if field.attname
        in {"id", "email", "full_name", "role", "partner_id", "is_active", "is_staff", "language"}
    )

    def _usable_key(self, prefix: str) -> PartnerAPIKey | None:
        """The key and its user: from the cache, else from one narrow query.

        This runs on every API request. The cached row is dropped whenever the key or its
        user is saved (``accounts.apps``), and lives at most ``API_KEY_CACHE_SECONDS``,
        which bounds how long a revocation can take with a per-process cache. While Redis is
        down the cache answers every read as a miss (``p2mi_portal.cache``): the key is read
        from the database and the request goes on; throttling lets it through likewise.
        """
        cache_key = api_key_cache_key(prefix)
        row = cache.get(cache_key)
        if row is None:
            row = (
                PartnerAPIKey.objects.filter(prefix=prefix, revoked=False)
                .values_list(*self._KEY_FIELDS, *(f"user__{name}" for name in self._USER_FIELDS))
                .first()
            )
            if row is None:
                return None
            cache.set(cache_key, row, settings.API_KEY_CACHE_SECONDS)
        split = len(self._KEY_FIELDS)
        api_key = PartnerAPIKey.from_db("default", self._KEY_FIELDS, row[:split])
        api_key.user = User.from_db("default", self._USER_FIELDS, row[split:])
        return api_key

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) when no valid key is given.
        return self.keyword


class HasPartnerKey(BasePermission):
    """Every API view requires a partner's key; nothing is open by default."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, PartnerAPIKey)


class PartnerKeyThrottle(SimpleRateThrottle):
    """Requests per key; a client without a valid key never gets this far."""

    scope = "partner_key"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, PartnerAPIKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api_auth.PartnerKeyAuthentication"
    name = "PartnerApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _("“Api-Key <key>”: the key the ministry issued to your organisation."),
        }
