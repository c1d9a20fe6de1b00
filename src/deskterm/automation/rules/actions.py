"""Checking a rule's ``then`` tables: one action each, its value of the right kind and real.

Pure: what exists in the store (macros, agents) comes in a ``Known``; the engine that runs
the actions comes later (issue 14 part B).
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from deskterm.automation.rules.model import (
    ACTIONS,
    MAX_COMMAND_TIMEOUT,
    PRIORITIES,
    Action,
)
from deskterm.domain.errors import DesktermError
from deskterm.domain.when import parse_when

_TAG = re.compile(r"[^\s,\"()]+")  # as services.tickets.normalize_tag accepts
_FLAGS = frozenset({"close", "open", "spam"})
MAX_NOTE = 10_000
MAX_TAGS = 50
MAX_ARGV = 100
MAX_ARG = 4096


class ActionError(ValueError):
    """A bad action; ``where`` is the key inside the table (``reply``, ``timeout``)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(reason)
        self.where = where
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Known:
    """What a rule may name: macros as (name, shortcut), agents as (name, email)."""

    macros: Sequence[tuple[str, str | None]] = ()
    agents: Sequence[tuple[str, str]] = ()


def check_action(table: Any, known: Known) -> Action:
    """The Action of one ``then`` table; ActionError naming the key and the reason."""
    if not isinstance(table, dict):
        raise ActionError("", 'an action is a table with one action, e.g. { tag = ["vip"] }')
    kinds = [key for key in table if key in ACTIONS]
    others = [key for key in table if key not in ACTIONS]
    for key in others:
        if (key, kinds) in (("timeout", ["command"]), ("limit", ["reply"])):
            continue
        raise ActionError(key, _unknown_action(key))
    if len(kinds) != 1:
        if not kinds:
            raise ActionError("", f"an action table names one action ({', '.join(ACTIONS)})")
        raise ActionError(kinds[1], f"one action per table; put {kinds[1]} in a table of its own")
    kind = kinds[0]
    value = table[kind]
    try:
        if kind == "command":
            return Action(kind, _command(value), _timeout(table.get("timeout")))
        if kind == "reply":
            return Action(kind, _reply(value, known), limit=_limit(table.get("limit", True)))
        return Action(kind, _VALUE_CHECKS[kind](value, known))
    except ValueError as exc:
        if isinstance(exc, ActionError):
            raise
        raise ActionError(kind, str(exc)) from None


def _limit(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ActionError("limit", f"expected true or false, got {_shown(value)}")
    return value


def _unknown_action(key: str) -> str:
    if key == "timeout":
        return "timeout goes with a command action only"
    if key == "limit":
        return "limit goes with a reply action only (limit = false: more than one a day)"
    close = difflib.get_close_matches(key, ACTIONS, n=1)
    hint = f"did you mean {close[0]}?" if close else f"actions: {', '.join(ACTIONS)}"
    return f"no action named {key!r} ({hint})"


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected {what} (text), got {_shown(value)}")
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _reply(value: Any, known: Known) -> str:
    wanted = _text(value, "a macro's name or shortcut").strip()
    key = wanted.lstrip(";").casefold()
    for name, shortcut in known.macros:
        if name.casefold() == key or (shortcut or "").casefold() == key:
            return wanted
    names = [name for name, _ in known.macros]
    if not names:
        raise ValueError(f'no macro named "{wanted}" (there are no macros yet)')
    close = difflib.get_close_matches(wanted, names + [s for _, s in known.macros if s], n=1)
    listed = ", ".join(f'"{name}"' for name in sorted(names)[:20])
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return _raise(f'no macro named "{wanted}" (macros: {listed}){hint}')


def _raise(message: str) -> str:
    raise ValueError(message)


def _note(value: Any, known: Known) -> str:
    text = _text(value, "the note's text")
    if len(text) > MAX_NOTE:
        raise ValueError(f"a note is at most {MAX_NOTE:,} characters")
    return text


def _tags(value: Any, known: Known) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(t, str) for t in items):
        raise ValueError(f'expected a tag or a list of tags, e.g. ["vip"], got {_shown(value)}')
    if len(items) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags")
    tags = []
    for item in items:
        tag = item.strip().lower()
        if not _TAG.fullmatch(tag):
            raise ValueError(f"invalid tag {item!r}: use one word without spaces, commas or quotes")
        tags.append(tag)
    return tuple(dict.fromkeys(tags))


def _assign(value: Any, known: Known) -> str:
    who = _text(value, 'an agent\'s email or name, or "auto"').strip()
    if who.lower() == "auto" or "@" in who:
        # An email needs no agent row yet: assigning creates it, as `deskterm assign` does.
        return who.lower()
    for name, email in known.agents:
        if name.casefold() == who.casefold():
            return email
    agents = ", ".join(f"{name} <{email}>" for name, email in known.agents[:20]) or "none yet"
    raise ValueError(f'no agent named "{who}" (agents: {agents}); use an email, a name or "auto"')


def _priority(value: Any, known: Known) -> str:
    level = _text(value, "a priority").strip().lower()
    if level not in PRIORITIES:
        raise ValueError(f"{value!r} is not a priority ({', '.join(PRIORITIES)})")
    return level


def _snooze(value: Any, known: Known) -> str:
    when = _text(value, 'a time such as "2d" or "tomorrow 9am"')
    try:
        parse_when(when)  # read again when the rule runs; here only "can it be read"
    except DesktermError as exc:
        raise ValueError(str(exc)) from None
    return when.strip()


def _flag(value: Any, known: Known) -> bool:
    if value is not True:
        raise ValueError(f"expected true, got {_shown(value)}")
    return True


def _command(value: Any) -> str | tuple[str, ...]:
    if isinstance(value, str):
        try:
            argv = shlex.split(value)
        except ValueError as exc:
            raise ValueError(f"cannot split {_shown(value)}: {exc}") from None
        if not argv:
            raise ValueError("expected a program to run, got an empty string")
        _check_argv(argv)
        return value.strip()
    if not isinstance(value, list) or not value or not all(isinstance(a, str) for a in value):
        raise ValueError('expected a program: a list like ["notify", "--urgent"] or a string')
    if not value[0].strip():
        raise ValueError("the program's name is empty")
    _check_argv(value)
    return tuple(value)


def _check_argv(argv: list[str]) -> None:
    if len(argv) > MAX_ARGV or any(len(arg) > MAX_ARG or "\x00" in arg for arg in argv):
        raise ValueError(f"at most {MAX_ARGV} arguments of {MAX_ARG} characters, no NUL")


def _timeout(value: Any) -> int | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 1 <= value <= MAX_COMMAND_TIMEOUT
    ):
        raise ActionError(
            "timeout", f"seconds from 1 to {MAX_COMMAND_TIMEOUT}, got {_shown(value)}"
        )
    return value


_VALUE_CHECKS: dict[str, Callable[[Any, Known], str | tuple[str, ...] | bool]] = {
    "reply": _reply,
    "note": _note,
    "tag": _tags,
    "untag": _tags,
    "assign": _assign,
    "priority": _priority,
    "snooze": _snooze,
    **dict.fromkeys(_FLAGS, _flag),
}
