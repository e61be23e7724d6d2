"""The stored figures of a programme's dashboard that count every one of its applications.

Counting a national programme's applications by stage, province and major, and measuring how
long each stage takes from every move, reads millions of rows: too slow for a page. A
background job (:func:`dashboard.services.program_figures_refresh`) computes them, one
aggregate query per figure, and keeps the result here; the page reads one row.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Bumped when the shape of ``ProgramFigures.figures`` changes; older rows are computed again.
FIGURES_VERSION = 1


class ProgramFigures(models.Model):
    program = models.OneToOneField(
        "programs.Program",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="dashboard_figures",
    )
    applications = models.PositiveIntegerField(_("applications"))
    figures = models.JSONField(_("figures"))
    computed_at = models.DateTimeField(_("computed at"))
    seconds = models.FloatField(_("seconds to compute"))

    class Meta:
        verbose_name = _("dashboard figures")
        verbose_name_plural = _("dashboard figures")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.program_id} @ {self.computed_at:%Y-%m-%d %H:%M}"

    @property
    def is_current(self) -> bool:
        return self.figures.get("version") == FIGURES_VERSION
