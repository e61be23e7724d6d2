"""What the apps above tell the outbox: how their kinds read, and who a broadcast reaches.

Notifications sit below every domain app and import none of them. Each app registers,
from its ``AppConfig.ready()``, a function that turns the ids and codes it stored in a
notification's context into what the templates show (a programme, a stage's label, a
link), and the app that owns applications registers a broadcast's audience.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from .models import Notification

# (notification, its stored context) -> what to add to the context the templates see.
ContextMaker = Callable[["Notification", Mapping[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True)
class _Registered:
    maker: ContextMaker
    kinds: frozenset[str] | None  # None: every kind


_context_makers: list[_Registered] = []


def render_context_register(maker: ContextMaker, *, kinds: Collection[str] | None = None) -> None:
    """Call ``maker`` when rendering a notification of ``kinds`` (every kind when not given)."""
    entry = _Registered(maker, frozenset(kinds) if kinds is not None else None)
    if entry not in _context_makers:
        _context_makers.append(entry)


def render_context_extend(notification: Notification, context: dict[str, Any]) -> None:
    """Add what each registered maker gives for the notification's kind, in registration order."""
    stored = notification.context
    for entry in _context_makers:
        if entry.kinds is None or notification.kind in entry.kinds:
            context.update(entry.maker(notification, stored))


@dataclass(frozen=True)
class BroadcastAudience:
    """Who a broadcast reaches, from the app that owns the people it is about.

    ``members(broadcast, after_user_id=…)``: the active accounts it reaches, by ascending id,
    past ``after_user_id``; ``stages()``: the choices of its "only at stage" filter.
    """

    members: Callable[..., QuerySet]
    stages: Callable[[], list[tuple[str, str]]]


_audience: list[BroadcastAudience] = []


def broadcast_audience_register(audience: BroadcastAudience) -> None:
    _audience[:] = [audience]


def broadcast_audience_registered() -> BroadcastAudience:
    if not _audience:
        raise LookupError("No app registered the audience of broadcasts.")
    return _audience[0]
