from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


def _ensure_staff_group(sender, **kwargs) -> None:
    from .services import staff_group_ensure

    staff_group_ensure()


def _forget_cached_key(sender, instance, **kwargs) -> None:
    from django.core.cache import cache

    from .api_auth import api_key_cache_key

    cache.delete(api_key_cache_key(instance.prefix))


def _forget_cached_keys_of_user(sender, instance, **kwargs) -> None:
    from django.core.cache import cache

    from .api_auth import api_key_cache_key

    prefixes = instance.api_keys.values_list("prefix", flat=True) if instance.pk else []
    cache.delete_many([api_key_cache_key(prefix) for prefix in prefixes])


def _count_failed_login(sender, credentials, request=None, **kwargs) -> None:
    from .throttling import login_failure_count

    email = credentials.get("username")
    if isinstance(email, str) and email:
        login_failure_count(email)


def _remember_browser(sender, request, user, **kwargs) -> None:
    from .throttling import device_mark

    if request is not None and user is not None and user.email:
        device_mark(request, user.email)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        from notifications.registry import render_context_register
        from p2mi_portal.admin_site import PortalAdminSite

        from . import notices
        from .second_factor import session_is_verified
        from .throttling import rate_parse

        # A rate that cannot be read would fail every sign-in; refuse to start instead.
        for name in ("AUTH_RATE_LIMIT", "AUTH_EMAIL_RATE_LIMIT"):
            try:
                rate_parse(getattr(settings, name))
            except ValueError as exc:
                raise ImproperlyConfigured(f"{name}: {exc}") from exc
        # The links in account notifications, made when they are sent.
        render_context_register(notices.notice_context, kinds=notices.KINDS)
        # Staff enter the admin site only once the session has passed the second factor.
        PortalAdminSite.access_check_add(session_is_verified)
        # Wrong passwords per account, and the browsers its owner logged in from (accounts.throttling).
        user_login_failed.connect(_count_failed_login, dispatch_uid="accounts_count_failed_login")
        user_logged_in.connect(_remember_browser, dispatch_uid="accounts_remember_browser")
        # Sent once per app after migrate, after that app's permissions exist: by
        # the last app the group holds the permissions of every managed model.
        post_migrate.connect(_ensure_staff_group, dispatch_uid="accounts_staff_group")
        # A saved (revoked, expired, reassigned) key or a changed user is re-read from the
        # database on the next API request.
        post_save.connect(_forget_cached_key, sender="accounts.PartnerAPIKey", dispatch_uid="api_key_saved")
        post_delete.connect(
            _forget_cached_key, sender="accounts.PartnerAPIKey", dispatch_uid="api_key_deleted"
        )
        post_save.connect(
            _forget_cached_keys_of_user, sender="accounts.User", dispatch_uid="api_key_user_saved"
        )
