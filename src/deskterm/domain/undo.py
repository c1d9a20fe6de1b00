"""What an undoable triage action is: its kind, its tickets, their state before it.

Plain data, so the inbox can arm an undo on its UI thread without loading the store
(services/undo.py captures and restores).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal

Action = Literal["close", "reopen", "snooze", "spam", "not_spam", "tag", "assign"]
Field = Literal["status", "spam", "tags", "assignee"]

_STATUS: Final[tuple[Field, ...]] = ("status",)  # status travels with closed_at and snoozed_until
FIELDS: Final[dict[Action, tuple[Field, ...]]] = {
    "close": _STATUS,
    "reopen": _STATUS,
    "snooze": _STATUS,
    "spam": ("spam",),
    "not_spam": ("spam",),
    "tag": ("tags",),
    "assign": ("assignee",),
}
"""What each undoable action may change, and so what its undo puts back."""


@dataclass(frozen=True)
class TicketState:
    """A ticket's triage fields at one moment (tags as a set: their order means nothing)."""

    ticket_id: int
    status: str
    closed_at: datetime | None
    snoozed_until: datetime | None
    spam: bool
    assignee_id: int | None
    tags: frozenset[str]
    merged_into_id: int | None = None


@dataclass
class Undoable:
    """One triage action on some tickets, and (once it ran) their state before it.

    Built by the caller before the action is queued, so an undo asked for at once finds
    it; ``before`` is filled by ``perform`` just before the change is made
    (services/undo.py).
    """

    action: Action
    ticket_ids: tuple[int, ...]
    before: tuple[TicketState, ...] | None = field(default=None)

    @property
    def fields(self) -> tuple[Field, ...]:
        """The fields this action changes (and its undo restores)."""
        return FIELDS[self.action]
