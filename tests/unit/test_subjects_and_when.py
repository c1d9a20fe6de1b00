"""Subject normalisation for grouping, reply subjects, and human snooze times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from deskterm.domain.errors import UsageError
from deskterm.domain.subjects import normalize_subject, reply_subject
from deskterm.domain.when import parse_when


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Order late", "order late"),
        ("RE: re: Fwd: Order   late", "order late"),
        ("AW: WG: Bestellung", "bestellung"),
        ("Balas: Pesanan belum sampai", "pesanan belum sampai"),
        ("RES: ENC: Pedido", "pedido"),
        ("[Ticket #12] Re: Refund", "refund"),
        ("SV: Antw: Vs: hello", "hello"),
        ("Re[2]: x", "x"),
        ("Regarding order", "regarding order"),
    ],
)
def test_normalize_subject(subject: str, expected: str) -> None:
    assert normalize_subject(subject) == expected


def test_reply_subject_is_one_line_and_not_stacked() -> None:
    assert reply_subject("Hi\nBcc: x@evil.test") == "Re: Hi Bcc: x@evil.test"
    assert reply_subject("Re: Hello") == "Re: Hello"


NOW = datetime(2026, 3, 18, 14, 30, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2d", NOW + timedelta(days=2)),
        ("3h", NOW + timedelta(hours=3)),
        ("45m", NOW + timedelta(minutes=45)),
        ("1w", NOW + timedelta(weeks=1)),
        ("tomorrow", datetime(2026, 3, 19, 9, tzinfo=UTC)),
        ("mon 9:00", datetime(2026, 3, 23, 9, tzinfo=UTC)),
        ("wed", datetime(2026, 3, 25, 9, tzinfo=UTC)),  # today is Wed: next week's
        ("2026-04-01", datetime(2026, 4, 1, 9, tzinfo=UTC)),
        ("2026-04-01 08:30", datetime(2026, 4, 1, 8, 30, tzinfo=UTC)),
    ],
)
def test_parse_when(text: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW) == expected


def test_parse_when_in_local_zone() -> None:
    jakarta = ZoneInfo("Asia/Jakarta")
    assert parse_when("tomorrow 9:00", now=NOW, tz=jakarta) == datetime(2026, 3, 19, 2, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "someday", "mon 25:00", "2026-13-01"])
def test_parse_when_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_when(text, now=NOW)


@pytest.mark.parametrize(
    "text", ["99999999d", "9" * 30 + "m", "9999-12-31 23:59", "2040-01-01", "600w"]
)
def test_parse_when_refuses_times_too_far_ahead(text: str) -> None:
    """issue 9 findings 10 and 14: huge durations raised OverflowError, and year 9999 was
    stored, then could not be shown east of UTC."""
    with pytest.raises(UsageError, match="at most 10 years ahead"):
        parse_when(text, now=NOW, tz=ZoneInfo("Asia/Jakarta"))


def test_parse_when_reads_clock_times_in_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an explicit zone, `mon 9:00` is nine o'clock where the agent is."""
    import time

    monkeypatch.setenv("TZ", "Asia/Jakarta")
    time.tzset()
    try:
        until = parse_when("tomorrow 9:00")
        assert until.astimezone(ZoneInfo("Asia/Jakarta")).hour == 9
    finally:
        monkeypatch.undo()
        time.tzset()
