"""The shape every state machine of the portal is declared in.

A machine is a table of :class:`Move` (from, to, the roles that may make it, whether it
needs a reason, and the service it follows from, if any). Each app declares its own in its
``pipeline.py``; the one service that writes the state looks the move up here, under a row
lock, refuses with :meth:`Machine.refusal` and records the move in its own history.

The roles are one vocabulary for every machine (:class:`Actor`); ``accounts.roles.role_of``
says which one a person acts in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from .errors import Conflict


class Actor:
    STAFF = "staff"
    PARTNER = "partner"
    CANDIDATE = "candidate"
    SYSTEM = "system"


ROLES = (Actor.STAFF, Actor.PARTNER, Actor.CANDIDATE, Actor.SYSTEM)


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    roles: frozenset[str]
    needs_reason: bool = False
    # Moves that follow from a record kept elsewhere (a training enrolment, a placement)
    # are made only by the service that keeps that record, which names itself here.
    through: str = ""


class Machine:
    """One table of moves between the values of ``states`` (a ``TextChoices``).

    ``refusal`` is the (lazily translated) message of a refused move, with ``%(current)s``, ``%(target)s`` and
    ``%(allowed)s`` (the labels of the states the role may move to instead) and whatever
    the service adds; ``code`` is the refusal's error code.
    """

    def __init__(
        self,
        moves: Iterable[Move],
        *,
        states: Any,
        refusal: str,
        code: str,
        nothing_allowed: str = gettext_lazy("none"),
    ) -> None:
        self.moves: dict[tuple[str, str], Move] = {(move.source, move.target): move for move in moves}
        self.states = states
        self._refusal = refusal
        self.code = code
        self._nothing_allowed = nothing_allowed

    def __iter__(self):
        return iter(self.moves.values())

    def __contains__(self, pair: object) -> bool:
        return pair in self.moves

    def get(self, source: str, target: str) -> Move | None:
        return self.moves.get((source, target))

    def move(self, source: str, target: str, role: str) -> Move | None:
        """The move from ``source`` to ``target`` if ``role`` may make it, else None."""
        move = self.moves.get((source, target))
        return move if move is not None and role in move.roles else None

    def allowed_targets(self, source: str, role: str, *, through: str = "") -> list[Any]:
        """Where ``role`` may move from ``source`` (by hand, unless ``through``), in the table's order."""
        return [
            self.states(move.target)
            for move in self.moves.values()
            if move.source == source and role in move.roles and move.through == through
        ]

    def refusal(self, source: str, target: str, role: str, **context: Any) -> Conflict:
        """The error of a move ``role`` may not make, listing the moves it may."""
        allowed = ", ".join(str(state.label) for state in self.allowed_targets(source, role))
        values = {
            "current": self.states(source).label,
            "target": self.states(target).label,
            "allowed": allowed or str(self._nothing_allowed),
            **context,
        }
        return Conflict(str(self._refusal) % values, code=self.code)
