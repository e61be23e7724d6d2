"""Which role a person acts in, and the guard of what only ministry staff may do.

The roles are the kernel's (:class:`p2mi_portal.transitions.Actor`): every state machine
names them, and this module is the one that knows which account holds which.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from p2mi_portal.errors import Forbidden
from p2mi_portal.transitions import Actor

from .models import Role, User


def role_of(actor: User | None) -> str:
    """The role a person acts in for the move tables ("" for one that has none)."""
    if actor is None:
        return Actor.SYSTEM
    if actor.is_ministry_staff:
        return Actor.STAFF
    return {Role.PARTNER: Actor.PARTNER, Role.CANDIDATE: Actor.CANDIDATE}.get(actor.role, "")


def require_ministry_staff(
    actor: User | None,
    message: str | None = None,
    *,
    superuser: bool = False,
    system: bool = False,
) -> None:
    """Refuse (403) anyone but active ministry staff.

    ``superuser`` also lets a superuser through; ``system`` lets a job with no actor through.
    """
    if actor is None:
        if system:
            return
    elif actor.is_ministry_staff or (superuser and actor.is_superuser):
        return
    raise Forbidden(message or _("Only ministry staff can do this."))
