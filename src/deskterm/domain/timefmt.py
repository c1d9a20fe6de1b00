"""Compact, human time spans for lists: ``now``, ``5m``, ``3h``, ``2d``, ``7w``."""

from __future__ import annotations

from datetime import UTC, datetime

_UNITS = (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60))


def utc_now() -> datetime:
    """The current time; one function so that snapshot tests can fix the clock."""
    return datetime.now(UTC)


def compact_age(iso: str | None, now: datetime | None = None) -> str:
    """How long ago an ISO 8601 UTC timestamp was, in one short token."""
    if not iso:
        return "-"
    then = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    seconds = int(((now or utc_now()) - then).total_seconds())
    for unit, size in _UNITS:
        if abs(seconds) >= size:
            return f"{seconds // size}{unit}"
    return "now"
