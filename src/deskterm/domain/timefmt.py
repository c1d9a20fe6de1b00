"""Compact, human time spans for lists: ``now``, ``5m``, ``3h``, ``2d``, ``7w``."""

from __future__ import annotations

from datetime import UTC, datetime

_UNITS = (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60))


def utc_now() -> datetime:
    """The current time; one function so that snapshot tests can fix the clock."""
    return datetime.now(UTC)


def iso_moment(value: object) -> datetime | None:
    """An ISO 8601 time (``Z`` or an offset; none means UTC) as aware UTC; None when empty
    or not a time."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


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


def local_stamp(iso: str | None, now: datetime | None = None) -> str:
    """A message time as a person reads it: ``Fri 20 Nov 14:05 (2d ago)``, in local time."""
    if not iso:
        return "-"
    then = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    age = compact_age(iso, now)
    when = then.astimezone().strftime("%a %d %b %H:%M")
    return f"{when} ({age})" if age == "now" else f"{when} ({age} ago)"
