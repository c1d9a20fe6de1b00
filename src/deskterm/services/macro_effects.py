"""What inserted macros will do besides their text, in one plain sentence for the composer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from deskterm.automation.macros import MacroActions
from deskterm.domain.errors import DesktermError
from deskterm.domain.when import parse_when

# "2d", "3 h", "in 3 days": a span from the moment of sending, said as a span.
_SPAN = re.compile(
    r"^(?:in\s+)?(\d{1,6})\s*"
    r"(m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)$"
)
_UNIT_WORDS = {"m": "minute", "h": "hour", "d": "day", "w": "week"}


def combined(actions: Sequence[MacroActions]) -> MacroActions:
    """The net effect of applying ``actions`` one after the other, as one MacroActions.

    The composer applies every inserted macro's actions in order on send
    (``services.macros.apply_actions``): a tag added then removed ends removed, the last
    assignment wins, and the last macro with a status or snooze decides the status.
    """
    net = MacroActions()
    for action in actions:
        for tag in action.add_tags:
            if tag in net.remove_tags:
                net.remove_tags.remove(tag)
            if tag not in net.add_tags:
                net.add_tags.append(tag)
        for tag in action.remove_tags:
            if tag in net.add_tags:
                net.add_tags.remove(tag)
            if tag not in net.remove_tags:
                net.remove_tags.append(tag)
        if action.assign:
            net.assign = action.assign
        # apply_actions: a snooze wins over a status within one macro.
        if action.snooze:
            net.snooze, net.status = action.snooze, None
        elif action.status in ("open", "closed"):
            net.snooze, net.status = None, action.status
    return net


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _tags(verb: str, tags: list[str]) -> str:
    noun = "tag" if len(tags) == 1 else "tags"
    return f"{verb} {noun} {', '.join(tags)}"


def _snooze(when: str, now: datetime | None) -> str:
    span = _SPAN.match(" ".join(when.strip().lower().split()))
    if span:
        return f"snooze for {_plural(int(span.group(1)), _UNIT_WORDS[span.group(2)[0]])}"
    try:
        until = parse_when(when, now=now).astimezone()
    except DesktermError:
        return f"snooze until {when.strip()}"  # refused when applied; the words as written
    return f"snooze until {until:%a %d %b %H:%M}"


def _assign(who: str) -> str:
    wanted = who.strip()
    if wanted.lower() == "me":
        return "assign to you"
    if wanted.lower() == "none":
        return "unassign the ticket"
    return f"assign to {wanted}"


def _joined(clauses: list[str]) -> str:
    if len(clauses) <= 1:
        return "".join(clauses)
    return ", ".join(clauses[:-1]) + " and " + clauses[-1]


def describe_actions(
    actions: MacroActions | Sequence[MacroActions], *, now: datetime | None = None
) -> str:
    """One sentence for what sending will do besides the text, or "" when nothing.

    E.g. "will add tag refund and close the ticket", or "will add tags refund, vip,
    assign to you and snooze until Mon 24 Nov 09:00". Several macros are
    described by their net effect (:func:`combined`); times are local, read at ``now``.
    """
    net = combined([actions] if isinstance(actions, MacroActions) else actions)
    clauses = []
    if net.add_tags:
        clauses.append(_tags("add", net.add_tags))
    if net.remove_tags:
        clauses.append(_tags("remove", net.remove_tags))
    if net.assign:
        clauses.append(_assign(net.assign))
    if net.snooze:
        clauses.append(_snooze(net.snooze, now))
    elif net.status == "closed":
        clauses.append("close the ticket")
    elif net.status == "open":
        clauses.append("reopen the ticket")
    return f"will {_joined(clauses)}" if clauses else ""
