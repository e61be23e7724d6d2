"""The guard of what only ministry staff may do, for every app's services.

It asks the user only for ``is_ministry_staff`` (and ``is_superuser``), so it sits in the
kernel and any app may call it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .errors import Forbidden


def require_ministry_staff(
    actor: Any,
    message: str | None = None,
    *,
    superuser: bool = False,
    system: bool = False,
) -> None:
    """Refuse (``Forbidden``, 403) anyone but active ministry staff.

    ``superuser`` also lets a superuser through; ``system`` lets a job with no actor through.
    """
    if actor is None:
        if system:
            return
    elif actor.is_ministry_staff or (superuser and actor.is_superuser):
        return
    raise Forbidden(message or _("Only ministry staff can do this."))
