"""A rule as checked and stored: triggers, a condition, actions, stop; no I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The events a rule can run on (issue 14 item 1), in the order the file format lists them.
EVENTS: tuple[str, ...] = (
    "ticket.created",
    "message.created",
    "ticket.updated",
    "ticket.assigned",
    "snooze.ended",
    "survey.answered",
)
# Every action a rule may take, in the order README lists them.
ACTIONS: tuple[str, ...] = (
    "reply",
    "note",
    "tag",
    "untag",
    "assign",
    "priority",
    "close",
    "open",
    "snooze",
    "spam",
    "command",
)
# The ticket priorities (store.tables.Ticket.priority).
PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
COMMAND_TIMEOUT = 10  # seconds, when the rule names none
AUTO_REPLY_WINDOW_HOURS = (
    24  # at most one rule reply per ticket in this window (unless limit=false)
)
MAX_COMMAND_TIMEOUT = 300  # a rule's program runs in the sync worker: never for long


@dataclass(frozen=True, slots=True)
class Action:
    """One step of ``then``: ``kind`` is one of ACTIONS.

    ``value``: the macro (reply, as written: name or shortcut), the note's text, the tags
    (tag, untag), the agent's email or name or ``auto`` (assign), the priority, the snooze
    time as ``deskterm snooze`` reads it, the program (command: a list is its argv; a
    string is kept as written, split like a shell would, without running one), or True
    (close, open, spam). ``timeout``: seconds, command only. ``limit``: reply only; False
    lifts the one-auto-reply-per-ticket-per-24-hours limit (``{ reply = "x", limit = false }``).
    """

    kind: str
    value: str | tuple[str, ...] | bool
    timeout: int | None = None
    limit: bool = True

    def to_table(self) -> dict[str, Any]:
        """The action as its file table (``{ reply = "wismo" }``); import reads it back."""
        table: dict[str, Any] = {self.kind: _plain(self.value)}
        if self.timeout is not None:
            table["timeout"] = self.timeout
        if not self.limit:
            table["limit"] = False
        return table


def _plain(value: str | tuple[str, ...] | bool) -> Any:
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True, slots=True)
class Rule:
    """A checked rule. ``condition`` is the ``if`` text as written (its tree: conditions)."""

    name: str
    when: tuple[str, ...]
    condition: str
    then: tuple[Action, ...]
    stop: bool = False
    enabled: bool = False
    description: str = ""
    enabled_given: bool = field(default=False, compare=False)  # the file said enabled = ...

    def definition(self) -> dict[str, Any]:
        """What the store keeps as JSON (name, order and enabled have columns of their own)."""
        return {
            "when": list(self.when),
            "if": self.condition,
            "then": [action.to_table() for action in self.then],
            "stop": self.stop,
            "description": self.description,
        }

    def to_table(self) -> dict[str, Any]:
        """The rule as a ``[[rules]]`` table of the file format (export)."""
        table: dict[str, Any] = {"name": self.name}
        if self.description:
            table["description"] = self.description
        table["enabled"] = self.enabled
        table.update(when=list(self.when), **{"if": self.condition})
        table["then"] = [action.to_table() for action in self.then]
        table["stop"] = self.stop
        return table
