from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_staff_group(sender, **kwargs) -> None:
    from .services import staff_group_ensure

    staff_group_ensure()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Sent once per app after migrate, after that app's permissions exist: by
        # the last app the group holds the permissions of every managed model.
        post_migrate.connect(_ensure_staff_group, dispatch_uid="accounts_staff_group")
