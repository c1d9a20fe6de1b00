"""Times as the TUI shows them: message stamps in local time with their age."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from deskterm.domain.timefmt import local_stamp


def test_local_stamp_reads_as_a_day_and_an_age(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Jakarta")
    time.tzset()
    try:
        now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
        assert local_stamp("2026-11-20T07:05:00Z", now) == "Fri 20 Nov 14:05 (2d ago)"
        assert local_stamp("2026-11-22T12:00:00Z", now) == "Sun 22 Nov 19:00 (now)"
        assert local_stamp(None) == "-"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
