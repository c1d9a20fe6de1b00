"""Business hours (issue 14 item 2): open or not, the next opening, open seconds between
two moments; in the shop's zone, across midnight, holidays and daylight saving time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from deskterm.config import BusinessHoursConfig, load_config_text
from deskterm.domain.business_hours import (
    business_hours,
    is_open,
    next_open,
    open_seconds_between,
    parse_day,
)
from deskterm.domain.errors import ConfigError

SOURCE = Path("config.toml")
JAKARTA = ZoneInfo("Asia/Jakarta")
BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "08:00-17:00")
ISSUE = business_hours("Asia/Jakarta", {**WEEKDAYS, "sat": "09:00-13:00"}, [date(2026, 12, 25)])


def jkt(*args: int) -> datetime:
    return datetime(*args, tzinfo=JAKARTA)  # type: ignore[misc]


def ber(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=BERLIN, fold=fold)  # type: ignore[misc]


def test_a_friday_evening() -> None:
    """Friday 4 December 2026: open at 16:59, closed from 17:00; next opening Saturday 9:00."""
    assert is_open(jkt(2026, 12, 4, 16, 59), ISSUE)
    assert not is_open(jkt(2026, 12, 4, 17, 0), ISSUE)
    assert not is_open(jkt(2026, 12, 4, 7, 59, 59), ISSUE)
    assert next_open(jkt(2026, 12, 4, 19, 30), ISSUE) == jkt(2026, 12, 5, 9, 0)
    # Saturday after 13:00: Sunday is left out (closed), so Monday 8:00.
    assert next_open(jkt(2026, 12, 5, 13, 0), ISSUE) == jkt(2026, 12, 7, 8, 0)
    # Friday 16:00 to Monday 9:00: 1 h Friday + 4 h Saturday + 1 h Monday.
    span = open_seconds_between(jkt(2026, 12, 4, 16), jkt(2026, 12, 7, 9), ISSUE)
    assert span == 6 * 3600


def test_open_now_is_now_and_any_zone_is_read_in_the_shop_zone() -> None:
    moment = jkt(2026, 12, 7, 10, 0)
    assert next_open(moment, ISSUE) == moment
    # 02:00 UTC is 09:00 in Jakarta (UTC+7): open, though it is night in UTC.
    assert is_open(datetime(2026, 12, 7, 2, 0, tzinfo=UTC), ISSUE)
    assert not is_open(datetime(2026, 12, 7, 10, 0, tzinfo=UTC), ISSUE)  # 17:00 there


def test_a_holiday() -> None:
    """Christmas 2026 is a Friday: closed all day; the next opening is Saturday 9:00."""
    assert not is_open(jkt(2026, 12, 25, 10, 0), ISSUE)
    assert is_open(jkt(2026, 12, 24, 10, 0), ISSUE)
    assert next_open(jkt(2026, 12, 24, 18, 0), ISSUE) == jkt(2026, 12, 26, 9, 0)
    assert open_seconds_between(jkt(2026, 12, 25), jkt(2026, 12, 26), ISSUE) == 0


def test_a_split_day() -> None:
    hours = business_hours("Asia/Jakarta", {"mon": "08:00-12:00,13:00-17:00"})
    assert is_open(jkt(2026, 12, 7, 11, 59), hours)
    assert not is_open(jkt(2026, 12, 7, 12, 30), hours)
    assert next_open(jkt(2026, 12, 7, 12, 30), hours) == jkt(2026, 12, 7, 13, 0)
    assert open_seconds_between(jkt(2026, 12, 7), jkt(2026, 12, 8), hours) == 8 * 3600
    assert open_seconds_between(jkt(2026, 12, 7, 11), jkt(2026, 12, 7, 14), hours) == 2 * 3600


def test_across_midnight_in_jakarta() -> None:
    """A night shift: Friday 22:00-24:00 and Saturday 00:00-02:00 run on across midnight."""
    hours = business_hours("Asia/Jakarta", {"fri": "22:00-24:00", "sat": "00:00-02:00"})
    assert is_open(jkt(2026, 12, 4, 23, 59), hours)
    assert is_open(jkt(2026, 12, 5, 0, 0), hours)
    assert is_open(jkt(2026, 12, 5, 1, 59), hours)
    assert not is_open(jkt(2026, 12, 5, 2, 0), hours)
    assert next_open(jkt(2026, 12, 4, 12, 0), hours) == jkt(2026, 12, 4, 22, 0)
    assert open_seconds_between(jkt(2026, 12, 4, 23), jkt(2026, 12, 5, 1), hours) == 7200
    # A whole week: 4 hours.
    assert open_seconds_between(jkt(2026, 11, 30), jkt(2026, 12, 7), hours) == 4 * 3600


def test_spring_forward_in_berlin() -> None:
    """29 March 2026: 02:00 jumps to 03:00; a 24-hour day is 23 hours long, 9:00 is still
    9:00 on the wall clock."""
    hours = business_hours("Europe/Berlin", {"sun": "00:00-24:00", "mon": "09:00-17:00"})
    assert open_seconds_between(ber(2026, 3, 29), ber(2026, 3, 30), hours) == 23 * 3600
    assert is_open(ber(2026, 3, 29, 3, 30), hours)
    monday = ber(2026, 3, 30, 9, 0)
    assert next_open(ber(2026, 3, 30, 0, 30), hours) == monday
    assert monday.astimezone(UTC) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # CEST now
    week = business_hours("Europe/Berlin", {"mon": "09:00-17:00"})
    friday_before = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    assert next_open(friday_before, week) == ber(2026, 3, 30, 9, 0)


def test_fall_back_in_berlin() -> None:
    """25 October 2026: 03:00 goes back to 02:00; the day is 25 hours long, and the hour
    02:00-03:00 is lived twice, open both times."""
    hours = business_hours("Europe/Berlin", {"sun": "00:00-24:00"})
    assert open_seconds_between(ber(2026, 10, 25), ber(2026, 10, 26), hours) == 25 * 3600
    night = business_hours("Europe/Berlin", {"sun": "02:00-03:00"})
    assert is_open(ber(2026, 10, 25, 2, 30, fold=0), night)
    assert is_open(ber(2026, 10, 25, 2, 30, fold=1), night)
    assert open_seconds_between(ber(2026, 10, 24), ber(2026, 10, 26), night) == 2 * 3600


def test_office_hours_across_the_dst_change_are_wall_clock() -> None:
    hours = business_hours("Europe/Berlin", dict.fromkeys(("fri", "mon"), "09:00-17:00"))
    # Friday 27 March (CET) to Monday 30 March (CEST): 8 h + 8 h, not 7 or 9.
    assert open_seconds_between(ber(2026, 3, 27), ber(2026, 3, 31), hours) == 16 * 3600
    assert is_open(datetime(2026, 3, 27, 8, 0, tzinfo=UTC), hours)  # 9:00 CET
    assert is_open(datetime(2026, 3, 30, 7, 0, tzinfo=UTC), hours)  # 9:00 CEST
    assert not is_open(datetime(2026, 3, 30, 15, 0, tzinfo=UTC), hours)  # 17:00 CEST


def test_never_open() -> None:
    closed = business_hours("UTC", {})
    moment = datetime(2026, 12, 7, tzinfo=UTC)
    assert not is_open(moment, closed)
    assert next_open(moment, closed) is None
    assert open_seconds_between(moment, moment + timedelta(days=30), closed) == 0


def test_reversed_or_empty_spans() -> None:
    moment = jkt(2026, 12, 7, 10)
    assert open_seconds_between(moment, moment, ISSUE) == 0
    assert open_seconds_between(moment, moment - timedelta(hours=1), ISSUE) == 0


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(datetime(2026, 12, 7, 10), ISSUE)


@pytest.mark.parametrize(
    "text,needle",
    [
        ("8-17", 'write "HH:MM-HH:MM"'),
        ("17:00-08:00", "the end must be after the start"),
        ("08:00-08:00", "the end must be after the start"),
        ("08:00-12:00,11:00-13:00", "the ranges overlap"),
        ("24:00-24:00", '"24:00" only as an end'),
        ("08:00-25:00", "25:00 is not a time of day"),
        ("08:60-12:00", "08:60 is not a time of day"),
        ("", "cannot read ''"),
    ],
)
def test_bad_day_hours(text: str, needle: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_day(text)
    assert needle in str(caught.value)


def test_ranges_may_touch_and_come_in_any_order() -> None:
    assert parse_day("13:00-17:00, 08:00-13:00") == ((480, 780), (780, 1020))
    assert parse_day("00:00-24:00") == ((0, 1440),)


# --- the config section ----------------------------------------------------------------

SECTION = """
[business_hours]
timezone = "Asia/Jakarta"
week = { mon = "08:00-17:00", tue = "08:00-17:00", wed = "08:00-17:00", \
thu = "08:00-17:00", fri = "08:00-17:00", sat = "09:00-13:00" }
holidays = ["2026-12-25", 2027-01-01]
"""


def test_the_issue_config_section() -> None:
    config = load_config_text(SECTION, SOURCE)
    section = config.business_hours
    assert isinstance(section, BusinessHoursConfig)
    hours = section.hours()
    assert hours.holidays == {date(2026, 12, 25), date(2027, 1, 1)}
    assert hours.week[5] == ((540, 780),) and hours.week[6] == ()
    assert not is_open(jkt(2027, 1, 1, 10), hours)
    assert load_config_text("", SOURCE).business_hours is None


@pytest.mark.parametrize(
    "change,needle",
    [
        (('"Asia/Jakarta"', '"Asia/Jakartaa"'), "business_hours.timezone: unknown time zone"),
        (('"Asia/Jakarta"', '"../etc/passwd"'), "business_hours.timezone: unknown time zone"),
        (('sat = "09:00-13:00"', 'sat = "13:00-09:00"'), "business_hours.week.sat: "),
        (('sat = "09:00-13:00"', 'sab = "09:00-13:00"'), "business_hours.week"),
        (('sat = "09:00-13:00"', "sat = 9"), "business_hours.week.sat"),
        (('"2026-12-25"', '"2026-13-25"'), "business_hours.holidays"),
        (('timezone = "Asia/Jakarta"\n', ""), "business_hours"),
    ],
)
def test_config_mistakes_are_one_line(change: tuple[str, str], needle: str) -> None:
    old, new = change
    assert old in SECTION
    with pytest.raises(ConfigError) as caught:
        load_config_text(SECTION.replace(old, new), SOURCE)
    message = str(caught.value)
    assert needle in message and "\n" not in message, message


def test_the_example_config_section_loads_once_uncommented() -> None:
    """config.example.toml documents [business_hours] commented out; uncommented, it loads."""
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    lines = example.read_text(encoding="utf-8").splitlines()
    start = lines.index("# [business_hours]")
    block = []
    for line in lines[start:]:
        if not line.strip():
            break
        block.append(line.removeprefix("# ") if line.startswith("# ") else line)
    config = load_config_text("\n".join(block) + "\n", example)
    assert config.business_hours is not None
    hours = config.business_hours.hours()
    assert hours.week[0] == ((480, 1020),) and hours.week[6] == ()
    assert date(2026, 12, 25) in hours.holidays
