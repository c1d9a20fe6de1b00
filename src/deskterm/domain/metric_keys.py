"""What ``stats --by`` groups by: apart from the metrics, so that building the command
line (every command does) does not load them."""

from __future__ import annotations

GROUP_KEYS: tuple[str, ...] = (
    "channel",
    "agent",
    "store",
    "intent",
    "tag",
    "language",
    "day",
    "week",
)
"""What ``--by`` accepts."""

TIME_KEYS: frozenset[str] = frozenset({"day", "week"})
"""Group keys that bucket each event by its own moment rather than by a ticket field."""
