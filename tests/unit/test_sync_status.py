"""The sync status file: written atomically by the syncing process, shown by every TUI."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from deskterm.sync.status import read_status, status_line, status_path, write_status


def test_round_trip_and_line(tmp_path: Path) -> None:
    write_status(
        tmp_path,
        {
            "support": {"ok": True, "error": "", "at": "2026-11-22T10:00:00+00:00"},
            "shopee-id": {"ok": False, "error": "access token rejected", "at": "x"},
        },
    )
    channels = read_status(tmp_path)
    now = datetime(2026, 11, 22, 10, 2, tzinfo=UTC)
    assert status_line(channels, now) == "shopee-id ✗ access token rejected · support ✓ 2m"
    assert not list(tmp_path.glob(".sync-status-*"))  # no temp file left behind


def test_missing_or_broken_file_reads_as_nothing(tmp_path: Path) -> None:
    assert read_status(tmp_path) == {}
    status_path(tmp_path).write_text("{not json", encoding="utf-8")
    assert read_status(tmp_path) == {}
    status_path(tmp_path).write_text('["a list"]', encoding="utf-8")
    assert read_status(tmp_path) == {}
