"""Parse human snooze times: ``2d``, ``3h``, ``tomorrow``, ``mon 9:00``, ``2026-12-01 08:30``."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from deskterm.domain.errors import UsageError

_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOUR = time(9, 0)  # "tomorrow" / "mon" without a time: start of the working day

_RELATIVE = re.compile(r"^(\d+)\s*(m|min|h|d|w)$")
# A snooze further ahead than this is a typo (or `9999-12-31`, which could not even be shown
# in a zone east of UTC); refusing it keeps every later date computation in range.
MAX_AHEAD = timedelta(days=10 * 366)
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")

FORMS = "2d, 3h, 45m, 1w, tomorrow, mon 9:00, 2026-12-01, 2026-12-01 08:30"


def parse_when(text: str, *, now: datetime | None = None, tz: tzinfo | None = None) -> datetime:
    """An aware UTC datetime for ``text`` at most MAX_AHEAD away, or UsageError in one line.

    Clock times and dates are read in ``tz``, by default ``now``'s zone, or the local zone
    when ``now`` is not given (``mon 9:00`` is nine o'clock where the agent is).
    """
    local = datetime.now().astimezone().tzinfo
    zone = tz or (now.tzinfo if now is not None else local) or UTC
    now = now or datetime.now(UTC)
    local_now = now.astimezone(zone)
    words = text.strip().lower().split()
    if not words:
        raise UsageError(f"empty time; use one of: {FORMS}")
    try:
        result = (
            _relative(words, now) or _named_day(words, local_now) or _absolute(text.strip(), zone)
        )
        if result is None:
            raise UsageError(f"cannot understand time {_shown(text)}; use one of: {FORMS}")
        moment = result.astimezone(UTC)
    except OverflowError:  # past year 9999, in whatever step got there first
        moment = None
    if moment is None or moment - now > MAX_AHEAD:
        raise UsageError(f"time {_shown(text)} is out of range: at most 10 years ahead")
    return moment


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:39] + "…")


def _relative(words: list[str], now: datetime) -> datetime | None:
    match = _RELATIVE.match("".join(words))
    if not match:
        return None
    digits = match.group(1)
    seconds = int(digits) * _UNITS[match.group(2)] if len(digits) <= 12 else None
    if seconds is None or seconds > MAX_AHEAD.total_seconds():
        raise OverflowError  # reported as out of range
    return now + timedelta(seconds=seconds)


def _clock(words: list[str]) -> time | None:
    if not words:
        return DEFAULT_HOUR
    match = _CLOCK.match(words[0]) if len(words) == 1 else None
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _named_day(words: list[str], local_now: datetime) -> datetime | None:
    head, rest = words[0], words[1:]
    day: date | None = None
    if head == "today":
        day = local_now.date()
    elif head == "tomorrow":
        day = local_now.date() + timedelta(days=1)
    elif head[:3] in _WEEKDAYS and _WEEKDAYS[_WEEKDAYS.index(head[:3])].startswith(head[:3]):
        ahead = (_WEEKDAYS.index(head[:3]) - local_now.weekday()) % 7 or 7
        day = local_now.date() + timedelta(days=ahead)
    if day is None:
        return None
    at = _clock(rest)
    if at is None:
        return None
    moment = datetime.combine(day, at, tzinfo=local_now.tzinfo)
    if moment <= local_now:
        moment += timedelta(days=7 if head[:3] in _WEEKDAYS else 1)
    return moment


def _absolute(text: str, zone: tzinfo) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text else text)
    except ValueError:
        return None
    if len(text) == 10:
        moment = datetime.combine(moment.date(), DEFAULT_HOUR)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
