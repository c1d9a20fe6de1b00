"""Natural snooze times: weekdays, next friday, 9am, in 3 days, tonight (issue 10 item 6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from deskterm.domain.errors import UsageError
from deskterm.domain.when import FORMS, WhenError, parse_when

WED = datetime(2026, 3, 18, 14, 30, tzinfo=UTC)  # a Wednesday, 14:30
FRI_MORNING = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)  # a Friday, 10:00
LATE = datetime(2026, 3, 18, 20, 0, tzinfo=UTC)  # Wednesday evening


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # durations, spelled out
        ("in 3 days", WED + timedelta(days=3)),
        ("in 2 hours", WED + timedelta(hours=2)),
        ("in 45 minutes", WED + timedelta(minutes=45)),
        ("in 1 week", WED + timedelta(weeks=1)),
        ("in an hour", WED + timedelta(hours=1)),
        ("3 days", WED + timedelta(days=3)),
        ("10min", WED + timedelta(minutes=10)),
        # next <weekday>, next week
        ("next friday", at(20, 9)),
        ("next fri", at(20, 9)),
        ("Next Friday", at(20, 9)),
        ("next wed", at(25, 9)),  # never today, even with the time ahead
        ("next wednesday 16:00", at(25, 16)),
        ("next week", at(23, 9)),  # next Monday 9:00
        # weekday names, full and short, with or without a time
        ("friday", at(20, 9)),
        ("fri 14:00", at(20, 14)),
        ("fri 2pm", at(20, 14)),
        ("thursday", at(19, 9)),
        ("tue", at(24, 9)),
        ("wed 16:00", at(18, 16)),  # today: the time is still ahead
        ("wed", at(25, 9)),  # today's 9:00 has passed: next week's
        ("monday at 10am", at(23, 10)),
        ("9am fri", at(20, 9)),
        # clock times
        ("tomorrow 9am", at(19, 9)),
        ("tomorrow at 9:30pm", at(19, 21, 30)),
        ("9am", at(19, 9)),  # passed today: tomorrow
        ("9pm", at(18, 21)),
        ("9:30pm", at(18, 21, 30)),
        ("9 pm", at(18, 21)),
        ("16:45", at(18, 16, 45)),
        ("12pm", at(19, 12)),
        ("12am", at(19, 0)),
        ("at 9", at(19, 9)),
        # tonight
        ("tonight", at(18, 18)),
        # Indonesian
        ("senin 9:00", at(23, 9)),
        ("senin", at(23, 9)),
        ("selasa 10.30", at(24, 10, 30)),
        ("rabu", at(25, 9)),
        ("kamis", at(19, 9)),
        ("jumat", at(20, 9)),
        ("jum'at 14:00", at(20, 14)),
        ("sabtu", at(21, 9)),
        ("minggu", at(22, 9)),
        ("besok", at(19, 9)),
        ("besok 9:00", at(19, 9)),
        ("besok jam 9", at(19, 9)),
        ("lusa", at(20, 9)),
        ("jumat depan", at(20, 9)),
        ("minggu depan", at(23, 9)),
        ("dalam 3 hari", WED + timedelta(days=3)),
        ("2 jam", WED + timedelta(hours=2)),
        ("45 menit", WED + timedelta(minutes=45)),
        ("1 minggu", WED + timedelta(weeks=1)),
        # every form that worked before still does
        ("2d", WED + timedelta(days=2)),
        ("3h", WED + timedelta(hours=3)),
        ("45m", WED + timedelta(minutes=45)),
        ("1w", WED + timedelta(weeks=1)),
        ("tomorrow", at(19, 9)),
        ("today", at(19, 9)),
        ("mon 9:00", at(23, 9)),
        ("2026-12-01", datetime(2026, 12, 1, 9, tzinfo=UTC)),
        ("2026-12-01 08:30", datetime(2026, 12, 1, 8, 30, tzinfo=UTC)),
    ],
)
def test_natural_forms(text: str, expected: datetime) -> None:
    """issue 10 item 6: each natural form, read with a fixed now (Wednesday 14:30 UTC)."""
    assert parse_when(text, now=WED) == expected


def test_same_weekday_today_while_ahead_else_next_week() -> None:
    """issue 10 item 6: "friday" on a Friday at 10:00 is next Friday 9:00 (today's 9:00 has
    passed), "fri 14:00" is today, and "next friday" is always next week's."""
    assert parse_when("friday", now=FRI_MORNING) == at(27, 9)
    assert parse_when("fri 14:00", now=FRI_MORNING) == at(20, 14)
    assert parse_when("jumat 14:00", now=FRI_MORNING) == at(20, 14)
    assert parse_when("next friday", now=FRI_MORNING) == at(27, 9)
    assert parse_when("fri 9:00", now=FRI_MORNING) == at(27, 9)


def test_tonight_after_six_is_tomorrow_evening() -> None:
    """issue 10 item 6: "tonight" is 18:00 today, or tomorrow's once 18:00 has passed."""
    assert parse_when("tonight", now=LATE) == at(19, 18)
    assert parse_when("tonight", now=WED) == at(18, 18)


def test_next_week_on_a_monday_is_the_following_monday() -> None:
    """issue 10 item 6: "next week" is never today."""
    monday = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)
    assert parse_when("next week", now=monday) == at(30, 9)
    assert parse_when("mon", now=monday) == at(23, 9)  # today 9:00 is still ahead


def test_natural_forms_read_in_the_agents_zone() -> None:
    """issue 10 item 6: "besok 9:00" in Jakarta is 02:00 UTC."""
    jakarta = ZoneInfo("Asia/Jakarta")
    assert parse_when("besok 9:00", now=WED, tz=jakarta) == at(19, 2)
    assert parse_when("next friday 9am", now=WED, tz=jakarta) == at(20, 2)


@pytest.mark.parametrize(
    "text", ["next fridayy", "and", "9", "13pm", "fri 25:00", "monxyz", "next", "in", "in 3"]
)
def test_unreadable_times_name_the_forms(text: str) -> None:
    """issue 10 item 6: a bad time is one line naming the text and the accepted forms;
    ``problem`` is the same without the forms (a dialog shows them beside the field)."""
    with pytest.raises(WhenError) as caught:
        parse_when(text, now=WED)
    assert str(caught.value) == f"{caught.value.problem}; use one of: {FORMS}"
    assert repr(text) in caught.value.problem and "\n" not in str(caught.value)
    assert isinstance(caught.value, UsageError)


def test_future_refuses_a_past_moment() -> None:
    """issue 10 item 6: a snooze dialog refuses a time already past in one line."""
    with pytest.raises(WhenError, match="is in the past"):
        parse_when("2026-03-01", now=WED, future=True)
    assert parse_when("2026-03-01", now=WED) == datetime(2026, 3, 1, 9, tzinfo=UTC)


def test_forms_lists_the_new_forms() -> None:
    """issue 10 item 6: the help text in errors names the natural forms."""
    for form in ("next friday", "tomorrow 9am", "in 3 days", "senin 9:00", "tonight"):
        assert form in FORMS
