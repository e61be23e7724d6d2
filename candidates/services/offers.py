"""Offers that run out: reminding before, expiring after (to the next on the waiting list)."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Notification, NotificationKind
from notifications.services import notification_queue
from p2mi_portal.errors import DomainError

from ..models import (
    Application,
    Stage,
)
from .applications import application_move

logger = logging.getLogger(__name__)


def offers_remind(*, now: datetime.datetime | None = None, within: datetime.timedelta | None = None) -> int:
    """Remind, once per offer, every candidate whose offer expires within a day."""
    now = now or timezone.now()
    within = within or datetime.timedelta(days=1)
    expiring = Application.objects.filter(
        stage=Stage.OFFERED, offer_expires_at__gt=now, offer_expires_at__lte=now + within
    ).select_related("candidate__user")
    reminded = 0
    for application in expiring:
        with transaction.atomic():
            locked = (
                Application.objects.select_for_update().filter(pk=application.pk, stage=Stage.OFFERED).first()
            )
            if locked is None:
                continue
            deadline = locked.offer_expires_at.isoformat()
            already = Notification.objects.filter(
                recipient_id=application.candidate.user_id,
                kind=NotificationKind.OFFER_EXPIRING,
                context__application_id=locked.pk,
                context__offer_expires_at=deadline,
            ).exists()
            if already:
                continue
            notification_queue(
                recipient=application.candidate.user,
                kind=NotificationKind.OFFER_EXPIRING,
                context={
                    "application_id": locked.pk,
                    "program_id": locked.program_id,
                    "track_id": locked.track_id,
                    "offer_expires_at": deadline,
                },
            )
            reminded += 1
    return reminded


def offers_expire(*, now: datetime.datetime | None = None) -> int:
    """Decline every offer whose deadline has passed; each freed seat goes to the waiting list."""
    now = now or timezone.now()
    expired = 0
    overdue = Application.objects.filter(stage=Stage.OFFERED, offer_expires_at__lte=now).values_list(
        "pk", flat=True
    )
    for application_id in list(overdue):
        application = Application.objects.filter(pk=application_id).first()
        if application is None:
            continue
        try:
            with transaction.atomic():
                # Re-checked under the lock: the candidate may have answered meanwhile.
                current = Application.objects.select_for_update().get(pk=application_id)
                if current.stage != Stage.OFFERED or current.offer_expires_at > now:
                    continue
                application_move(
                    application=current,
                    to_stage=Stage.DECLINED,
                    actor=None,
                    reason=_("The deadline to answer the offer passed without an answer."),
                    data={"expired": True},
                )
        except DomainError as exc:
            logger.warning("offer of application %s not expired: %s", application_id, exc.code)
            continue
        expired += 1
    return expired
