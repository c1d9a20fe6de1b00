"""Parse human snooze times: ``2d``, ``in 3 days``, ``tomorrow 9am``, ``next fri``, ``senin 9:00``.

Every form (the rules in parentheses):

- durations: ``2d`` ``3h`` ``45m`` ``10min`` ``1w``, ``in 3 days`` ``in 2 hours``
  ``in 45 minutes`` ``in 1 week`` ``in an hour`` (``in`` may be left out), and in
  Indonesian ``dalam 3 hari``, ``2 jam``, ``45 menit``, ``1 minggu``;
- a day, at 9:00 unless a time follows: ``today``, ``tomorrow`` / ``besok``, ``lusa``
  (the day after tomorrow), a weekday in English, full or short (``friday``, ``fri``), or
  in Indonesian (``senin selasa rabu kamis jumat sabtu minggu``). A weekday is the next
  one to come: today itself while its time is still ahead (``wed 16:00`` is today,
  ``wed`` — 9:00, already past — is next week's);
- ``next friday`` / ``jumat depan``: the next Friday after today, never today itself;
  ``next week`` / ``minggu depan`` / ``pekan depan``: next Monday at 9:00;
- ``tonight``: 18:00 today, or 18:00 tomorrow once 18:00 has passed;
- a time alone: ``9am`` ``9pm`` ``9:30pm`` ``14:00`` ``9.30`` (Indonesian style): today
  if still ahead, else tomorrow. A time may follow or precede the day, after ``at``,
  ``jam`` or ``pukul`` (``tomorrow at 9am``, ``besok jam 9``, ``9am fri``);
- dates: ``2026-12-01`` (9:00), ``2026-12-01 08:30``, full ISO 8601 with a zone.

Clock times and dates are read in the agent's zone (see :func:`parse_when`).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from deskterm.domain.errors import UsageError

DEFAULT_HOUR = time(9, 0)  # "tomorrow" / "mon" without a time: start of the working day
TONIGHT = time(18, 0)  # "tonight": the end of the working day
# A snooze further ahead than this is a typo (or `9999-12-31`, which could not even be shown
# in a zone east of UTC); refusing it keeps every later date computation in range.
MAX_AHEAD = timedelta(days=10 * 366)

FORMS = (
    "2d, 3h, 45m, in 3 days, tomorrow 9am, fri 14:00, next friday, next week, tonight, "
    "9pm, besok, senin 9:00, 2026-12-01 08:30"
)

_MINUTE, _HOUR, _DAY, _WEEK = 60, 3600, 86400, 604800
_UNITS = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "menit"), _MINUTE),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "jam"), _HOUR),
    **dict.fromkeys(("d", "day", "days", "hari"), _DAY),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks", "minggu", "pekan"), _WEEK),
}
_ONE = {"a", "an", "one", "se", "satu"}  # "in an hour", "dalam satu hari"
# "2d", "in 3 days", "dalam 2 jam"; a count in words needs its space ("an hour", not "and").
_RELATIVE = re.compile(r"^(?:(?:in|dalam)\s+)?(?:(\d+)\s*|([a-z]+)\s+)([a-z]+)$")

# Weekday names by Python's weekday number (Monday 0).
_WEEKDAYS = {
    **{name: day for day, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{
        name: day
        for day, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "tues": 1,
    "wednes": 2,
    "thur": 3,
    "thurs": 3,
    **{
        name: day
        for day, name in enumerate(("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"))
    },
}
_NEXT_WEEK = {"next week", "minggu depan", "pekan depan"}
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")
_CLOCK_FILLERS = {"at", "@", "jam", "pukul", "pkl"}


class WhenError(UsageError):
    """A time that cannot be read; ``problem`` says so without the list of forms (for a
    dialog that shows the forms beside the field already)."""

    def __init__(self, problem: str, forms: bool = True) -> None:
        super().__init__(f"{problem}; use one of: {FORMS}" if forms else problem)
        self.problem = problem


def parse_when(
    text: str, *, now: datetime | None = None, tz: tzinfo | None = None, future: bool = False
) -> datetime:
    """An aware UTC datetime for ``text`` at most MAX_AHEAD away, or WhenError in one line.

    Clock times and dates are read in ``tz``, by default ``now``'s zone, or the local zone
    when ``now`` is not given (``mon 9:00`` is nine o'clock where the agent is). With
    ``future`` a moment that is not after ``now`` (``2020-01-01``) is refused too.
    """
    local = datetime.now().astimezone().tzinfo
    zone = tz or (now.tzinfo if now is not None else local) or UTC
    now = now or datetime.now(UTC)
    local_now = now.astimezone(zone)
    phrase = " ".join(text.strip().lower().replace("jum'at", "jumat").replace(",", " ").split())
    if not phrase:
        raise WhenError("empty time")
    try:
        result = (
            _relative(phrase, now)
            or _day_and_clock(phrase, local_now)
            or _absolute(text.strip(), zone)
        )
        if result is None:
            raise WhenError(f"cannot understand time {_shown(text)}")
        moment = result.astimezone(UTC)
    except OverflowError:  # past year 9999, in whatever step got there first
        moment = None
    if moment is None or moment - now > MAX_AHEAD:
        raise WhenError(f"time {_shown(text)} is out of range: at most 10 years ahead", forms=False)
    if future and moment <= now:
        shown = f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"
        raise WhenError(f"time {_shown(text)} ({shown}) is in the past", forms=False)
    return moment


def parse_since(text: str, *, now: datetime | None = None, tz: tzinfo | None = None) -> datetime:
    """A moment in the past for ``--since``: ``2d`` / ``3 days`` mean that long AGO (as in
    ``date:2d..``); dates and day names as ``parse_when`` reads them; a future time is
    refused (WhenError, one line)."""
    now = now or datetime.now(UTC)
    phrase = " ".join(text.strip().lower().removesuffix(" ago").split())
    try:
        ahead = _relative(phrase.removeprefix("in "), now) if phrase else None
    except OverflowError:
        raise WhenError(f"time {_shown(text)} is out of range", forms=False) from None
    if ahead is not None:
        return (now - (ahead - now)).astimezone(UTC)
    moment = parse_when(text, now=now, tz=tz)
    if moment > now:
        raise WhenError(f"time {_shown(text)} is in the future: --since needs a past time")
    return moment


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:39] + "…")


def _relative(phrase: str, now: datetime) -> datetime | None:
    """``2d``, ``in 3 days``, ``dalam 2 jam``, ``in an hour``: ``now`` plus that long."""
    match = _RELATIVE.match(phrase)
    if not match or match.group(3) not in _UNITS:
        return None
    count = match.group(1) or ("1" if match.group(2) in _ONE else None)
    if count is None:
        return None
    seconds = int(count) * _UNITS[match.group(3)] if len(count) <= 12 else None
    if seconds is None or seconds > MAX_AHEAD.total_seconds():
        raise OverflowError  # reported as out of range
    return now + timedelta(seconds=seconds)


def _clock(words: list[str]) -> time | None:
    """``9am``, ``9 pm``, ``9:30pm``, ``14:00``, ``9.30``; a bare hour only after a filler
    (``at 9``, ``jam 9``) — alone, ``9`` could as well be a count of days."""
    filler = bool(words) and words[0] in _CLOCK_FILLERS
    if filler:
        words = words[1:]
    match = _CLOCK.match("".join(words)) if 1 <= len(words) <= 2 else None
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half is None and match.group(2) is None and not filler:
        return None
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _day_and_clock(phrase: str, local_now: datetime) -> datetime | None:
    """A named day and/or a clock time, in either order (``tomorrow 9am``, ``9am fri``)."""
    words = phrase.split()
    for split in range(len(words) + 1):
        # The day is either the leading or the trailing words; the clock is the rest.
        for day_words, clock_words in (
            (words[:split], words[split:]),
            (words[len(words) - split :], words[: len(words) - split]),
        ):
            moment = _resolve(" ".join(day_words), clock_words, local_now)
            if moment is not None:
                return moment
    return None


def _resolve(day_phrase: str, clock_words: list[str], local_now: datetime) -> datetime | None:
    at: time | None
    if clock_words:
        at = _clock(clock_words)
        if at is None:
            return None
    else:
        at = None
    today = local_now.date()

    def on(day: date, default: time = DEFAULT_HOUR) -> datetime:
        return datetime.combine(day, at or default, tzinfo=local_now.tzinfo)

    def weekday_ahead(weekday: int, *, never_today: bool) -> datetime:
        ahead = (weekday - today.weekday()) % 7
        if never_today and ahead == 0:
            ahead = 7
        moment = on(today + timedelta(days=ahead))
        return moment if moment > local_now else moment + timedelta(days=7)

    if day_phrase == "":
        if at is None:
            return None
        moment = on(today)  # a time alone: today if still ahead, else tomorrow
        return moment if moment > local_now else moment + timedelta(days=1)
    if day_phrase in ("today", "hari ini"):
        moment = on(today)
        return moment if moment > local_now else moment + timedelta(days=1)
    if day_phrase in ("tonight", "nanti malam", "malam ini"):
        moment = on(today, TONIGHT)
        return moment if moment > local_now else moment + timedelta(days=1)
    if day_phrase in ("tomorrow", "tmrw", "tmr", "besok"):
        return on(today + timedelta(days=1))
    if day_phrase == "lusa":
        return on(today + timedelta(days=2))
    if day_phrase in _NEXT_WEEK:
        return weekday_ahead(0, never_today=True)
    words = day_phrase.split()
    if len(words) == 2 and words[0] == "next" and words[1] in _WEEKDAYS:
        return weekday_ahead(_WEEKDAYS[words[1]], never_today=True)
    if len(words) == 2 and words[1] == "depan" and words[0] in _WEEKDAYS:
        return weekday_ahead(_WEEKDAYS[words[0]], never_today=True)
    if len(words) == 1 and words[0] in _WEEKDAYS:
        return weekday_ahead(_WEEKDAYS[words[0]], never_today=False)
    return None


def _absolute(text: str, zone: tzinfo) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text else text)
    except ValueError:
        return None
    if len(text) == 10:
        moment = datetime.combine(moment.date(), DEFAULT_HOUR)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
