"""Rotated marketplace tokens survive restarts without ever sitting in the store in clear text
(issue 9 findings 1 and 2: no secret in any file under the data directory)."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from deskterm import paths
from deskterm.channels.chat.types import Tokens
from deskterm.store.channels import ensure_channel
from deskterm.store.engine import Store, open_store
from deskterm.sync.chat.tokens import TOKENS_SCOPE, StoreTokenKeeper
from deskterm.sync.cursors import save_cursor

INITIAL = Tokens("initial-access-0123456789", "initial-refresh-0123456789")
ROTATED = Tokens(
    "rotated-access-abcdefghijkl",
    "rotated-refresh-abcdefghijkl",
    datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
)


def open_at(data: Path) -> Store:
    return open_store(f"sqlite:///{data / 'deskterm.db'}")


def channel_id(store: Store) -> int:
    with store.write() as session:
        row = ensure_channel(session, name="shopee-id", type="shopee")
        assert row.id is not None
        return row.id


def bytes_under(data: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file())


def test_rotated_tokens_are_sealed_in_the_store_and_survive_a_restart(tmp_path: Path) -> None:
    """issue 9 "done when": the rotated tokens were kept in clear text in a synccursor row
    of deskterm.db. They are sealed now (the key lives outside the data directory, 0600),
    and a new process reading the same store gets them back."""
    data = tmp_path / "data"
    store = open_at(data)
    cid = channel_id(store)
    StoreTokenKeeper(store, cid, INITIAL).save(ROTATED)
    store.close()

    everything = bytes_under(data)
    assert ROTATED.access_token.encode() not in everything
    assert ROTATED.refresh_token.encode() not in everything

    restarted = open_at(data)
    try:
        assert StoreTokenKeeper(restarted, cid, INITIAL).load() == ROTATED
    finally:
        restarted.close()
    keys = [p for p in paths.config_dir().iterdir() if p.is_file()]
    assert len(keys) == 1 and data not in keys[0].parents
    assert oct(keys[0].stat().st_mode & 0o777) == "0o600"


def test_tokens_a_store_holds_in_clear_text_are_sealed_on_first_use(tmp_path: Path) -> None:
    """issue 9 "done when": a store written by an earlier deskterm keeps working, and the
    tokens it holds in clear text are sealed the first time they are read."""
    data = tmp_path / "data"
    store = open_at(data)
    cid = channel_id(store)
    legacy = {
        "access_token": ROTATED.access_token,
        "refresh_token": ROTATED.refresh_token,
        "expires_at": ROTATED.expires_at.isoformat() if ROTATED.expires_at else None,
        "rotated_at": "2026-01-01T00:00:00+00:00",
    }
    with store.write() as session:
        save_cursor(session, cid, TOKENS_SCOPE, legacy)
    try:
        assert StoreTokenKeeper(store, cid, INITIAL).load() == ROTATED
    finally:
        store.close()
    conn = sqlite3.connect(data / "deskterm.db")
    try:
        (value,) = conn.execute(
            "SELECT value FROM synccursor WHERE scope = ?", (TOKENS_SCOPE,)
        ).fetchone()
    finally:
        conn.close()
    assert ROTATED.access_token not in value and ROTATED.refresh_token not in value


def test_a_store_without_its_key_falls_back_to_the_config_tokens(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """issue 9 "done when": a store copied to another account (or a lost key) cannot be
    unsealed; the config's tokens are used, with a warning that says why, not a crash."""
    data = tmp_path / "data"
    store = open_at(data)
    cid = channel_id(store)
    StoreTokenKeeper(store, cid, INITIAL).save(ROTATED)
    for key in paths.config_dir().iterdir():
        key.unlink()
    with caplog.at_level(logging.WARNING):
        assert StoreTokenKeeper(store, cid, INITIAL).load() == INITIAL
    store.close()
    assert "cannot be unsealed" in caplog.text
