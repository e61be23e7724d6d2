"""Return and reintegration: what the returned worker wants and the referrals made for it."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from p2mi_portal.errors import Conflict, invalid
from p2mi_portal.guards import require_ministry_staff
from programs.models import Partner

from ..models import (
    Placement,
    Referral,
    ReferralKind,
    ReferralOutcome,
    ReintegrationWish,
)
from .common import day_text, locked_placement

# --- Return and reintegration ------------------------------------------------------------


_WISH_FOR_REFERRAL = {
    ReferralKind.BUSINESS_SUPPORT: ReintegrationWish.BUSINESS,
    ReferralKind.ENERGY_PROJECT: ReintegrationWish.STRATEGIC_JOB,
    ReferralKind.INDUSTRY_PROJECT: ReintegrationWish.STRATEGIC_JOB,
}


@transaction.atomic
def placement_record_wish(*, placement: Placement, wish: str, actor: User) -> Placement:
    """What the returned worker wants next: business support, a strategic-project job, or nothing."""
    require_ministry_staff(actor)
    locked = locked_placement(placement)
    if locked.returned_on is None:
        raise Conflict(_("Record the worker's return first."), code="not_returned")
    if wish not in ReintegrationWish.values or not wish:
        raise invalid("reintegration_wish", _("Choose what the worker wants from the list."))
    locked.reintegration_wish = wish
    locked.save(update_fields=["reintegration_wish", "updated_at"])
    return locked


@transaction.atomic
def referral_create(
    *,
    placement: Placement,
    kind: str,
    actor: User,
    referred_on: datetime.date | None = None,
    partner: Partner | None = None,
    note: str = "",
) -> Referral:
    """Refer a returned worker to the partner ministry's programme that matches their wish."""
    require_ministry_staff(actor)
    locked = locked_placement(placement)
    if locked.returned_on is None:
        raise Conflict(_("Only a worker who has returned can be referred."), code="not_returned")
    if kind not in ReferralKind.values:
        raise invalid("kind", _("Choose a programme from the list."))
    wanted = _WISH_FOR_REFERRAL[kind]
    if locked.reintegration_wish != wanted:
        raise Conflict(
            _(
                "The worker's recorded wish is “%(wish)s”; "
                "this referral is for someone who wants “%(wanted)s”."
            )
            % {"wish": locked.get_reintegration_wish_display(), "wanted": ReintegrationWish(wanted).label},
            code="wish_mismatch",
        )
    referred_on = referred_on or timezone.localdate()
    if referred_on < locked.returned_on or referred_on > timezone.localdate():
        raise invalid(
            "referred_on",
            _("The referral date must be between the return (%(returned)s) and today.")
            % {"returned": day_text(locked.returned_on)},
        )
    try:
        with transaction.atomic():
            return Referral.objects.create(
                placement=locked,
                kind=kind,
                partner=partner,
                referred_on=referred_on,
                note=(note or "").strip()[:300],
                created_by=actor,
            )
    except IntegrityError:
        raise Conflict(
            _("The worker is already referred to this programme."), code="already_referred"
        ) from None


@transaction.atomic
def referral_record_outcome(
    *,
    referral: Referral,
    outcome: str,
    actor: User,
    outcome_on: datetime.date | None = None,
    note: str = "",
) -> Referral:
    require_ministry_staff(actor)
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if outcome not in ReferralOutcome.values or outcome == ReferralOutcome.PENDING:
        raise invalid("outcome", _("Choose an outcome from the list."))
    outcome_on = outcome_on or timezone.localdate()
    if outcome_on < locked.referred_on or outcome_on > timezone.localdate():
        raise invalid(
            "outcome_on",
            _("The outcome date must be between the referral (%(referred)s) and today.")
            % {"referred": day_text(locked.referred_on)},
        )
    locked.outcome = outcome
    locked.outcome_on = outcome_on
    locked.outcome_note = (note or "").strip()[:300]
    locked.save(update_fields=["outcome", "outcome_on", "outcome_note"])
    return locked
