"""A minimal read connection: plain sqlite3 for SQLite stores, SQLAlchemy for others.

Why not SQLAlchemy everywhere: importing it costs ~180 ms (SQLModel ~300 ms), most of
the 300 ms budget of `deskterm tickets --json` at 100k tickets. Read queries are plain
SQL with named parameters, which both paths run unchanged.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from deskterm.domain.errors import StoreError, StoreFaultError
from deskterm.store.faults import one_line, store_fault
from deskterm.store.schema_version import HEAD_REVISION
from deskterm.store.sqlite_file import check_store_file, connection_closed, connection_opened


class ReadDb(Protocol):
    """What the read queries need from a connection."""

    dialect: str

    def all(self, sql: str, params: dict[str, Any] | None = None) -> list[Sequence[Any]]:
        """Run ``sql`` and return every row."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


class SqliteReadDb:
    """Read connection over the stdlib sqlite3 module."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        # One connection may be shared by the TUI's worker threads; queries take turns.
        self._lock = threading.Lock()
        self._closed = False
        self.path = path
        try:
            self.conn = sqlite3.connect(path, timeout=10.0, check_same_thread=False)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        self._counted = connection_opened(path)
        try:
            self.conn.execute("PRAGMA busy_timeout = 10000")
            self.conn.execute("PRAGMA query_only = ON")
        except sqlite3.Error as exc:
            self.close()
            raise self._error(exc) from exc

    def _error(self, exc: sqlite3.Error) -> StoreError:
        fault = store_fault(exc, self.path, where=str(self.path))
        return fault or StoreError(f"{self.path}: cannot open store: {one_line(exc)}")

    def all(self, sql: str, params: dict[str, Any] | None = None) -> list[Sequence[Any]]:
        """Run ``sql`` and return every row."""
        try:
            with self._lock:
                if self._closed:
                    raise StoreError("the store connection is closed")
                return self.conn.execute(sql, params or {}).fetchall()
        except sqlite3.DatabaseError as exc:
            fault = store_fault(exc, self.path, where=str(self.path))
            raise fault or StoreError(f"store query failed: {one_line(exc)}") from exc

    def close(self) -> None:
        """Release the connection (after any query still running in another thread)."""
        with self._lock:
            # Closing under a running query crashes the sqlite3 module (seen as a segfault).
            if not self._closed:
                self.conn.close()
                connection_closed(self._counted)
            self._closed = True


class SqlAlchemyReadDb:
    """Read connection for PostgreSQL (and any other SQLAlchemy dialect)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine

        from deskterm.store.engine import translate_faults

        self.engine = create_engine(url, hide_parameters=True)
        translate_faults(self.engine, url)
        self.dialect = self.engine.dialect.name

    def all(self, sql: str, params: dict[str, Any] | None = None) -> list[Sequence[Any]]:
        """Run ``sql`` and return every row."""
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params or {})]

    def close(self) -> None:
        """Release the connection."""
        self.engine.dispose()


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///`` URL (None otherwise), without SQLAlchemy."""
    # engine.sqlite_path does this with SQLAlchemy's URL parser; importing it here would
    # cost the start-up time this module exists to save. Only plain file URLs take the
    # fast path; anything else goes through open_store and SQLAlchemy.
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != prefix + ":memory:":
        return Path(url[len(prefix) :])
    return None


def open_read(url: str) -> ReadDb:
    """A read connection to an up-to-date store (creating/migrating it first when needed)."""
    path = sqlite_file(url)
    if path is not None and path.exists():
        check_store_file(path)  # empty, cut short or not SQLite: refused, never re-created
        db = SqliteReadDb(path)
        try:
            current = _revision(db) == HEAD_REVISION
        except BaseException:
            db.close()
            raise
        if current:
            return db
        db.close()
    # Missing, old or non-SQLite: let the full store machinery create or migrate it.
    from deskterm.store.engine import open_store

    open_store(url).close()
    return SqliteReadDb(path) if path is not None else SqlAlchemyReadDb(url)


def _revision(db: ReadDb) -> str | None:
    try:
        rows = db.all("SELECT version_num FROM alembic_version")
    except StoreFaultError:
        raise  # damaged or unreadable: never "migrate" it
    except StoreError:
        return None
    return str(rows[0][0]) if rows else None


def db_moment(value: Any) -> datetime | None:
    """A stored datetime (SQLite text or driver datetime) as aware UTC, for comparing."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def naive_utc(moment: datetime) -> datetime:
    """``moment`` as naive UTC (an aware one converted; a naive one is UTC already)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


_from_text = datetime.fromisoformat


def db_naive_moment(value: Any) -> datetime | None:
    """A stored moment as naive UTC: SQLite's text (naive UTC already), or a driver's
    (aware) datetime. Metrics over 100k rows compare these: cheaper than aware ones."""
    if value is None:
        return None
    if type(value) is str:
        moment = _from_text(value)
        return moment if moment.tzinfo is None else naive_utc(moment)
    assert isinstance(value, datetime)
    return naive_utc(value)


def iso_utc(value: Any) -> str | None:
    """A stored datetime (SQLite text or driver datetime) as ISO 8601 UTC with ``Z``."""
    if value is None:
        return None
    moment: datetime
    if isinstance(value, str):
        moment = datetime.fromisoformat(value)
    elif isinstance(value, datetime):
        moment = value
    else:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
