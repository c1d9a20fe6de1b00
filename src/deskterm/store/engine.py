"""Open the store: SQLAlchemy engines with SQLite pragmas, BEGIN IMMEDIATE writes, migrations."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlmodel import Session, create_engine

from deskterm.domain.errors import StoreError
from deskterm.paths import PRIVATE_FILE_MODE, attachments_dir, ensure_dir
from deskterm.store.busy import Notice, begin_immediate
from deskterm.store.faults import store_fault
from deskterm.store.schema_version import HEAD_REVISION
from deskterm.store.sqlite_file import (
    check_deskterm_schema,
    check_store_file,
    check_writable,
    connection_closed,
    connection_opened,
)

BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite opens its own transactions lazily and never BEGINs before a SELECT;
    # turn that off so the "begin" hook below controls BEGIN (SQLAlchemy's documented recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    # FULL: a commit lost on power failure could mean a second send from the outbox.
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def _make_engine(url: str, *, immediate: bool, notice: Notice | None = None) -> Engine:
    # hide_parameters: an error's text never carries message bodies or addresses.
    engine = create_engine(url, connect_args=_connect_args(url), hide_parameters=True)
    translate_faults(engine, url)
    if engine.dialect.name == "sqlite":
        path = sqlite_path(url) or Path(":memory:")
        _count_connections(engine, path)
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "begin")
        def _do_begin(conn: Any) -> None:
            if not immediate:
                conn.exec_driver_sql("BEGIN")
                return
            # A read that upgrades to a write gets SQLITE_BUSY regardless of busy_timeout;
            # taking the write lock up front makes writers queue instead (reliability.md 11).
            raw = conn.connection.dbapi_connection
            begin_immediate(raw, path, notice=notice, busy_timeout_ms=BUSY_TIMEOUT_MS)

    return engine


def _count_connections(engine: Engine, path: Path) -> None:
    """Tell sqlite_file when this process has the file open (its header is then not read)."""

    @event.listens_for(engine, "connect")
    def _opened(_dbapi_connection: Any, record: Any) -> None:
        record.info["deskterm_file"] = connection_opened(path)

    @event.listens_for(engine, "close")
    def _closed(_dbapi_connection: Any, record: Any) -> None:
        connection_closed(record.info.pop("deskterm_file", None))


def translate_faults(engine: Engine, url: str) -> None:
    """Every statement's damaged/full/busy error becomes one line (domain StoreError)."""
    path = sqlite_path(url)
    where = _safe_url(url)

    @event.listens_for(engine, "handle_error")
    def _translate(context: ExceptionContext) -> BaseException | None:
        return store_fault(context.original_exception, path, where=where)


def _connect_args(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    return {}


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL, or None for other dialects / in-memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


@dataclass
class Store:
    """An open store: a read engine and a write engine over the same database."""

    url: str
    read_engine: Engine
    write_engine: Engine
    data_dir: Path
    db_path: Path | None = None  # the SQLite file; None for a server database

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.read_engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one write transaction (BEGIN IMMEDIATE on SQLite), committed on exit."""
        self.check_writable()
        with Session(self.write_engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session."""
        with Session(self.read_engine, expire_on_commit=False) as session:
            yield session

    def check_writable(self) -> None:
        """Refuse to write into a store found damaged (by this or any other process)."""
        if self.db_path is not None:
            check_writable(self.db_path)

    def attachments_dir(self) -> Path:
        """Where attachment content lives, content-addressed by sha256."""
        return attachments_dir(self.data_dir)

    def close(self) -> None:
        """Release every pooled connection."""
        self.read_engine.dispose()
        self.write_engine.dispose()


def _create_private_database(path: Path) -> None:
    """A new, empty WAL database at ``path`` that only its owner can read, whatever the umask.

    SQLite would create the file with the umask's mode (0644 under the usual 022) and
    its -wal and -shm files copy the database's mode; so the database is made 0600 and
    given its header under a temporary name, then linked into place in one step. A
    process killed at any point leaves either no store or a valid one, never an empty
    file (which open_store rightly refuses as a store cut short).
    """
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.new-")
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
        os.close(fd)
        conn = sqlite3.connect(tmp)
        try:
            conn.execute("PRAGMA journal_mode = WAL")  # persistent: written to the header
        finally:
            conn.close()  # the last connection checkpoints and removes the -wal/-shm
        try:
            os.link(tmp, path)  # never replaces an existing store
        except FileExistsError:
            pass  # another process won the race: its store is as good as ours
        except OSError:
            # A filesystem without hard links: a rename, which could only replace a store
            # created in the instant since the check.
            if not path.exists():
                os.replace(tmp, path)
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)


def open_store(
    url: str,
    *,
    data_dir: Path | None = None,
    migrate: bool = True,
    on_busy: Notice | None = None,
) -> Store:
    """Open (creating and migrating when needed) the store at ``url``.

    ``data_dir`` holds the blob store; it defaults to the SQLite file's directory.
    ``on_busy`` hears, once, that a write is waiting for another process's lock.
    """
    db_path = sqlite_path(url)
    if db_path is not None:
        try:
            ensure_dir(db_path.parent)
        except OSError as exc:
            raise StoreError(f"{db_path.parent}: cannot create store directory: {exc}") from exc
        if not db_path.exists():
            try:
                _create_private_database(db_path)
            except (OSError, sqlite3.Error) as exc:
                raise StoreError(f"{db_path}: cannot create the store: {exc}") from exc
        # Before any connection: opening sets WAL mode, and migrating creates tables.
        check_store_file(db_path)  # never re-create an empty or truncated file
        check_deskterm_schema(db_path)  # never migrate another program's database
    if data_dir is None:
        data_dir = db_path.parent if db_path is not None else Path.cwd()
    try:
        store = Store(
            url=url,
            read_engine=_make_engine(url, immediate=False),
            write_engine=_make_engine(url, immediate=True, notice=on_busy),
            data_dir=data_dir,
            db_path=db_path,
        )
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StoreError(f"{_safe_url(url)}: cannot open store: {exc}") from exc
    if migrate:
        try:
            ensure_schema(store)
        except (OperationalError, sqlite3.Error) as exc:
            store.close()
            raise StoreError(f"{_safe_url(url)}: cannot open store: {exc.args[0]}") from exc
        except BaseException:
            store.close()
            raise
    return store


def _safe_url(url: str) -> str:
    # Never print a password embedded in a database URL.
    return make_url(url).render_as_string(hide_password=True)


def current_revision(store: Store) -> str | None:
    """The schema revision recorded in the database, or None when it has none."""
    from sqlalchemy import inspect, text

    with store.read_engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return None if row is None else str(row[0])


def ensure_schema(store: Store) -> None:
    """Upgrade the schema to HEAD with Alembic when it is behind (cheap when it is current)."""
    if current_revision(store) == HEAD_REVISION:
        return
    store.check_writable()  # migrating writes: not into a store known to be damaged
    from deskterm.store.migrate import upgrade_to_head

    upgrade_to_head(store.write_engine)


def refresh_statistics(store: Store) -> None:
    """Refresh the query planner's statistics after bulk changes (approximate, fast ANALYZE)."""
    if store.dialect != "sqlite":
        return
    with store.write_engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
