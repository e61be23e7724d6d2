"""Scoring applications against their programme's rubric."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from p2mi_portal.errors import Conflict, DomainError
from p2mi_portal.guards import require_ministry_staff

from ..models import Application, Score

HUNDRED = Decimal("100")


def score_total(*, weighted: list[tuple[Decimal, int]]) -> Decimal | None:
    """Weighted total of (score, weight %) pairs; criteria not scored yet count as zero."""
    if not weighted:
        return None
    return (sum((value * weight for value, weight in weighted), Decimal("0")) / HUNDRED).quantize(
        Decimal("0.01")
    )


@transaction.atomic
def application_scores_set(
    *,
    application: Application,
    scores: Mapping[int, Decimal | str | None],
    scorer: User,
    comments: Mapping[int, str] | None = None,
) -> Application:
    """Record scores by criterion id (``None`` clears one) and recompute the total.

    The total (kept on the application for ranking) is recomputed from every stored
    score in the same transaction, under the application's row lock, so two scorers
    at once cannot leave a stale total.
    """
    require_ministry_staff(scorer, _("Only ministry staff score applications."))
    locked = Application.objects.select_for_update().select_related("program").get(pk=application.pk)
    if not locked.is_active:
        raise Conflict(
            _("This application is closed (%(stage)s); it is no longer scored.")
            % {"stage": locked.get_stage_display()},
            code="application_closed",
        )
    criteria = {criterion.pk: criterion for criterion in locked.program.criteria.all()}
    comments = comments or {}
    errors: dict[str, list[str]] = {}
    cleaned: dict[int, Decimal | None] = {}
    for criterion_id, raw in scores.items():
        if criterion_id not in criteria:
            errors[f"criterion_{criterion_id}"] = [_("This criterion is not in the programme's rubric.")]
            continue
        if raw is None or raw == "":
            cleaned[criterion_id] = None
            continue
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or not Decimal("0") <= value <= HUNDRED:
            errors[f"criterion_{criterion_id}"] = [_("Give a score between 0 and 100.")]
            continue
        cleaned[criterion_id] = value.quantize(Decimal("0.01"))
    if errors:
        raise DomainError(_("Please correct the marked scores."), code="invalid", fields=errors)
    for criterion_id, value in cleaned.items():
        if value is None:
            Score.objects.filter(application=locked, criterion_id=criterion_id).delete()
            continue
        Score.objects.update_or_create(
            application=locked,
            criterion_id=criterion_id,
            defaults={
                "value": value,
                "scorer": scorer,
                "comment": (comments.get(criterion_id) or "").strip()[:500],
            },
        )
    stored = Score.objects.filter(application=locked).values_list("value", "criterion__weight")
    locked.score_total = score_total(weighted=list(stored))
    locked.save(update_fields=["score_total", "updated_at"])
    application.score_total = locked.score_total
    return locked
