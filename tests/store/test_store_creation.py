"""A new store appears in one step: a process killed while creating it leaves no empty file."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from deskterm.store import engine
from deskterm.store.engine import open_store


def test_a_creation_that_dies_midway_leaves_no_store_and_no_litter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 9 findings 2 and 9 together: the database used to be created empty (0600)
    before SQLite wrote its header, so a kill in between left a 0-byte file that every
    later start refused as a damaged store. Now the header is written under a temporary
    name and the file linked into place."""
    path = tmp_path / "data" / "deskterm.db"
    path.parent.mkdir()

    def dies(*args: object, **kwargs: object) -> sqlite3.Connection:
        raise KeyboardInterrupt  # stands in for the process being killed

    monkeypatch.setattr(engine.sqlite3, "connect", dies)
    with pytest.raises(KeyboardInterrupt):
        open_store(f"sqlite:///{path}")
    assert list(path.parent.iterdir()) == []
    monkeypatch.undo()
    store = open_store(f"sqlite:///{path}")
    try:
        with store.read() as session:
            assert session.connection().exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        store.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == []
