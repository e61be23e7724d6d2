from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seed_provinces(sender, **kwargs) -> None:
    # Also after a flush (which tests do): the 38 provinces must never be missing.
    from importlib import import_module

    import_module("candidates.migrations.0002_seed_provinces").seed_provinces(
        kwargs.get("apps") or global_apps, None
    )


class CandidatesConfig(AppConfig):
    """Candidate profiles, documents, applications and the selection pipeline."""

    name = "candidates"
    verbose_name = _("Candidates")

    def ready(self) -> None:
        from notifications.registry import (
            BroadcastAudience,
            broadcast_audience_register,
            render_context_register,
        )

        from .notices import broadcast_stages, notice_context
        from .selectors import broadcast_audience

        post_migrate.connect(_seed_provinces, sender=self, dispatch_uid="candidates_seed_provinces")
        # Notifications of any kind that name a stage or an import; broadcasts reach applicants.
        render_context_register(notice_context)
        broadcast_audience_register(BroadcastAudience(members=broadcast_audience, stages=broadcast_stages))
