"""Which role a person acts in.

The roles are the kernel's (:class:`p2mi_portal.transitions.Actor`): every state machine
names them, and this module is the one that knows which account holds which.
"""

from __future__ import annotations

from p2mi_portal.transitions import Actor

from .models import Role, User


def role_of(actor: User | None) -> str:
    """The role a person acts in for the move tables ("" for one that has none)."""
    if actor is None:
        return Actor.SYSTEM
    if actor.is_ministry_staff:
        return Actor.STAFF
    return {Role.PARTNER: Actor.PARTNER, Role.CANDIDATE: Actor.CANDIDATE}.get(actor.role, "")
