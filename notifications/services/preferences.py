"""The channels each person chooses to get messages on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from p2mi_portal.errors import DomainError

from ..models import NotificationPreference

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def notification_preferences_set(
    *, user: User, email: bool, sms: bool, whatsapp: bool
) -> NotificationPreference:
    """Save the person's channels; at least one must stay on, and one that can reach them."""
    if not (email or sms or whatsapp):
        raise DomainError(
            _("Choose at least one way to receive messages: e-mail, SMS or WhatsApp."), code="no_channel"
        )
    if not email and not user.phone:
        raise DomainError(
            _(
                "There is no phone number in your profile, so SMS and WhatsApp cannot reach you. "
                "Keep e-mail on, or add your phone number to your profile first."
            ),
            code="no_phone",
        )
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email": email, "sms": sms, "whatsapp": whatsapp}
    )
    return preference
