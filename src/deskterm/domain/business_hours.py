"""Business hours: when the shop is open, in its own time zone, DST-correct (pure).

Hours are wall-clock times in ``zone``: "08:00-17:00" is eight to five on the shop's clock
whether that day is 23, 24 or 25 hours long. A moment is open when its local date is not a
holiday and its local time falls in one of that weekday's ranges ``[start, end)``; "24:00"
ends a range at the next midnight, so "22:00-24:00" on Friday and "00:00-02:00" on Saturday
run on across midnight. Durations (``open_seconds_between``) are real elapsed seconds: the
day the clocks go forward, "00:00-24:00" is 23 hours long.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
# next_open looks this far ahead; a shop closed longer than that is "never open".
LOOKAHEAD_DAYS = 2 * 366
_RANGE = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")

Span = tuple[int, int]  # minutes after local midnight: [start, end), end <= 1440


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Opening hours: ``week[0]`` is Monday's ranges (sorted, disjoint); closed on
    ``holidays`` (local dates)."""

    zone: tzinfo
    week: tuple[tuple[Span, ...], ...]
    holidays: frozenset[date] = frozenset()

    def ranges(self, day: date) -> tuple[Span, ...]:
        """The open ranges of the local date ``day`` (none on a holiday)."""
        return () if day in self.holidays else self.week[day.weekday()]


def parse_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (e.g. "Asia/Jakarta"); ValueError naming it when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name such as Asia/Jakarta"
        ) from None


def parse_day(text: str) -> tuple[Span, ...]:
    """ "08:00-12:00,13:00-17:00" as sorted minute spans; ValueError saying what is wrong."""
    spans: list[Span] = []
    for part in text.split(","):
        found = _RANGE.fullmatch(part.strip())
        if found is None:
            raise ValueError(
                f'cannot read {part.strip()!r}: write "HH:MM-HH:MM", several separated by commas'
            )
        start = _minutes(found[1], found[2], part, end=False)
        end = _minutes(found[3], found[4], part, end=True)
        if end <= start:
            raise ValueError(f"{part.strip()!r}: the end must be after the start")
        spans.append((start, end))
    spans.sort()
    for (_, first_end), (second_start, _) in itertools.pairwise(spans):
        if second_start < first_end:
            raise ValueError(f"{text.strip()!r}: the ranges overlap")
    return tuple(spans)


def _minutes(hours: str, minutes: str, part: str, *, end: bool) -> int:
    hour, minute = int(hours), int(minutes)
    if (hour, minute) == (24, 0) and end:
        return DAY_MINUTES
    if hour > 23 or minute > 59:
        allowed = ' ("24:00" only as an end)' if hour == 24 else ""
        raise ValueError(f"{part.strip()!r}: {hours}:{minutes} is not a time of day{allowed}")
    return hour * 60 + minute


def business_hours(
    zone: str, week: Mapping[str, str], holidays: Iterable[date] = ()
) -> BusinessHours:
    """BusinessHours from config values; a day missing from ``week`` is closed."""
    unknown = sorted(set(week) - set(DAYS))
    if unknown:
        raise ValueError(f"unknown day {unknown[0]!r} (days: {', '.join(DAYS)})")
    spans = tuple(parse_day(week[day]) if day in week else () for day in DAYS)
    return BusinessHours(parse_zone(zone), spans, frozenset(holidays))


def _local(moment: datetime, hours: BusinessHours) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business hours need a timezone-aware moment")
    return moment.astimezone(hours.zone)


def _at(day: date, minute: int, zone: tzinfo) -> datetime:
    """The instant (UTC) of local ``day`` + ``minute``; 1440 is the next midnight. A wall
    time skipped by DST is read with the offset before the change (zoneinfo's fold=0)."""
    if minute >= DAY_MINUTES:
        day, minute = day + timedelta(days=1), minute - DAY_MINUTES
    local = datetime.combine(day, time(minute // 60, minute % 60), zone)
    return local.astimezone(UTC)


def is_open(moment: datetime, hours: BusinessHours) -> bool:
    """Whether the shop is open at ``moment`` (aware)."""
    local = _local(moment, hours)
    minute = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
    return any(start <= minute < end for start, end in hours.ranges(local.date()))


def _intervals(
    first: date, last: date, hours: BusinessHours
) -> Iterable[tuple[datetime, datetime]]:
    """Open intervals (UTC instants) of the local dates ``first``..``last``, in order."""
    day = first
    while day <= last:
        for start, end in hours.ranges(day):
            yield _at(day, start, hours.zone), _at(day, end, hours.zone)
        day += timedelta(days=1)


def next_open(moment: datetime, hours: BusinessHours) -> datetime | None:
    """``moment`` itself when open, else the next opening (in ``hours.zone``); None when the
    shop opens on no day within LOOKAHEAD_DAYS (no hours at all, a long holiday list)."""
    if is_open(moment, hours):
        return moment
    instant = moment.astimezone(UTC)
    first = _local(moment, hours).date() - timedelta(days=1)  # a range ending past midnight
    for start, _ in _intervals(first, first + timedelta(days=LOOKAHEAD_DAYS), hours):
        if start > instant:
            return start.astimezone(hours.zone)
    return None


def open_seconds_between(start: datetime, end: datetime, hours: BusinessHours) -> float:
    """Seconds of ``[start, end)`` the shop is open (0 when ``end`` is not after ``start``)."""
    if end <= start:
        return 0.0
    low, high = start.astimezone(UTC), end.astimezone(UTC)
    first = _local(start, hours).date() - timedelta(days=1)
    last = _local(end, hours).date()
    total = 0.0
    for opened, closed in _intervals(first, last, hours):
        overlap = min(closed, high) - max(opened, low)
        if overlap > timedelta(0):
            total += overlap.total_seconds()
    return total
