"""The TUI's own sync: it starts when the store's sync lock is free, and keeps trying when
another process holds it for a moment (it must not stay without sync all session)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from deskterm.config import load_config
from deskterm.store.engine import open_store
from deskterm.sync.lock import SyncLock
from deskterm.tui.app import SyncStarter


def test_sync_starts_once_another_process_lets_the_lock_go(
    sample_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESKTERM_SAMPLE_PASSWORD", "unused")  # the servers are not there
    config = load_config(sample_config)
    store = open_store(config.store_url(), data_dir=config.store_path().parent)
    other = SyncLock(store.data_dir)
    other.acquire()  # e.g. a `deskterm reply` delivering right now
    starter = SyncStarter(config, retry_seconds=0.1)
    try:
        starter.start()
        time.sleep(0.3)
        assert not starter.running  # the other process syncs: this TUI does not
        other.release()
        deadline = time.monotonic() + 10
        while not starter.running and time.monotonic() < deadline:
            time.sleep(0.05)
        assert starter.running  # and takes over once the lock is free
    finally:
        starter.stop()
        other.release()
    assert not starter.running
