"""Migrations: from empty to head, the recorded head, and parity with the table models."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from deskterm.store.engine import current_revision, open_store
from deskterm.store.migrate import script_head
from deskterm.store.schema_version import HEAD_REVISION


def test_head_revision_constant_matches_scripts() -> None:
    assert script_head() == HEAD_REVISION


def test_migrate_from_empty_creates_every_table_and_fts(tmp_path: Path) -> None:
    db = tmp_path / "new" / "deskterm.db"
    store = open_store(f"sqlite:///{db}")
    try:
        assert current_revision(store) == HEAD_REVISION
    finally:
        store.close()
    names = {row[0] for row in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    for table in SQLModel.metadata.tables:
        assert table in names
    assert {"message_fts", "ticket_fts", "message_fts_ai", "message_fts_ad"} <= names


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'd.db'}")
    try:
        with store.write_engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    finally:
        store.close()
    # FTS5 virtual tables and their shadow tables live only in the migrations.
    real = [d for d in diff if not (d[0] == "remove_table" and "_fts" in d[1].name)]
    assert real == []


def test_reopening_is_idempotent_and_sqlite_defaults_hold(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    open_store(url).close()
    store = open_store(url)
    try:
        with store.write_engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        store.close()
