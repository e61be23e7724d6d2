from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CandidatesConfig(AppConfig):
    """Candidate profiles, documents, applications and the selection pipeline."""

    name = "candidates"
    verbose_name = _("Candidates")
