from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seed_majors(sender, **kwargs) -> None:
    # Also after a flush (which tests do): the maintained list must never be missing.
    from importlib import import_module

    import_module("programs.migrations.0002_seed_smk_majors").seed_majors(
        kwargs.get("apps") or global_apps, None
    )


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Programmes")

    def ready(self) -> None:
        from notifications.registry import render_context_register

        from .notices import notice_context

        post_migrate.connect(_seed_majors, sender=self, dispatch_uid="programs_seed_majors")
        # Notifications of any kind that name a programme, a track or documents.
        render_context_register(notice_context)
