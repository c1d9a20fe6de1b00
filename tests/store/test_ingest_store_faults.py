"""Which ingest failures are the store's and never count against a message (issue 9
finding 5): a good message is never stored in the raw fallback form because the store was
locked or full; a message's own failure is counted, described without its SQL."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError

from deskterm.sync.failures import describe_failure, is_store_fault


def test_a_locked_store_is_the_stores_fault(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    engine = create_engine(f"sqlite:///{db}", connect_args={"timeout": 0})
    try:
        with pytest.raises(OperationalError) as locked, engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES ('secret body')"))
    finally:
        holder.close()
        engine.dispose()
    assert is_store_fault(locked.value)
    assert is_store_fault(OSError(errno.ENOSPC, "No space left on device"))


def test_too_many_ids_is_the_messages_fault_and_described_without_sql(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'y.db'}")
    # The limit lowered (as some builds have it) so that the test needs few ids.
    event.listen(
        engine,
        "connect",
        lambda dbapi, _record: dbapi.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100),
    )
    ids = {f"i{n}": f"<hostile{n}@x>" for n in range(300)}
    listed = ", ".join(f":{name}" for name in ids)
    try:
        with pytest.raises(OperationalError) as too_many, engine.begin() as conn:
            conn.execute(text(f"SELECT 1 WHERE 'a' IN ({listed})"), ids)
    finally:
        engine.dispose()
    assert not is_store_fault(too_many.value)
    described = describe_failure(too_many.value)
    assert described.startswith("OperationalError: too many SQL variables")
    assert "hostile" not in described and "SELECT" not in described
