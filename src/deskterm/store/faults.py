"""Turn database errors into deskterm's one-line store errors: no SQL, no parameters.

SQLAlchemy's exception text carries the statement and its parameters (message bodies,
addresses); only the driver's own message is ever shown. Kept free of SQLAlchemy imports:
the fast read path (readdb) uses it too.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from deskterm.domain.errors import (
    StoreBusyError,
    StoreDamagedError,
    StoreError,
    StoreFaultError,
    StoreFullError,
)
from deskterm.store.sqlite_file import damaged_message, record_damage

# SQLite primary result codes (sqlite3.h); Python gives them as ``sqlite_errorcode``.
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26

# SQLite reports ENOSPC on its -shm and -wal files as a plain I/O error or "unable to
# open": with less than this left on the store's filesystem, such an error is a full disk.
NEARLY_FULL_BYTES = 1024 * 1024


def one_line(error: BaseException) -> str:
    """The driver's own message on one line (never SQLAlchemy's "[SQL: …]" text)."""
    orig = getattr(error, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's error
    if isinstance(orig, BaseException):
        error = orig
    lines = str(error).strip().splitlines()
    return lines[0] if lines else error.__class__.__name__


def sqlite_code(error: BaseException) -> int | None:
    """The SQLite primary result code of ``error`` (or of the driver error it wraps)."""
    orig = getattr(error, "orig", None)
    if isinstance(orig, BaseException):
        error = orig
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def store_fault(error: BaseException, path: Path | None, *, where: str) -> StoreError | None:
    """The one-line StoreError for a database error that is the store's own fault
    (damaged, full, locked, unreadable), or None for anything else (e.g. a constraint).

    ``path`` is the SQLite file (None for a server database); ``where`` names the store
    in messages when there is no file.
    """
    orig = getattr(error, "orig", None)
    if isinstance(orig, BaseException):
        error = orig
    if isinstance(error, sqlite3.Error):
        return _sqlite_fault(error, path, where)
    return _server_fault(error, where)


def _sqlite_fault(error: sqlite3.Error, path: Path | None, where: str) -> StoreError | None:
    code = sqlite_code(error)
    reason = one_line(error)
    name = str(path) if path is not None else where
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        if path is not None:
            record_damage(path, reason)
        return StoreDamagedError(damaged_message(name, reason))
    if code == SQLITE_FULL or (code in (SQLITE_IOERR, SQLITE_CANTOPEN) and _nearly_full(path)):
        return StoreFullError(str(path.parent) if path is not None else where, reason)
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return StoreBusyError(
            f"{name}: store busy ({reason}): another deskterm process is writing;"
            " try again when it has finished"
        )
    if code in (SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_READONLY):
        return StoreFaultError(f"{name}: cannot use the store: {reason}")
    return None


def _nearly_full(path: Path | None) -> bool:
    if path is None:
        return False
    try:
        return shutil.disk_usage(path.parent).free < NEARLY_FULL_BYTES
    except OSError:
        return False


def _server_fault(error: BaseException, where: str) -> StoreError | None:
    """PostgreSQL (psycopg) errors by SQLSTATE class; the driver is not imported here."""
    state = getattr(error, "sqlstate", None)
    reason = one_line(error)
    if state == "53100":  # disk_full
        return StoreFullError(f"the database server of {where}", reason)
    if isinstance(state, str) and state.startswith("XX"):  # data_corrupted, index_corrupted
        return StoreDamagedError(
            f"{where}: the database server reports damage ({reason}); deskterm will not"
            " write to it until it is restored from a backup"
        )
    if state in ("55P03", "40P01"):  # lock_not_available, deadlock_detected
        return StoreBusyError(f"{where}: store busy ({reason}); try again")
    names = {cls.__name__ for cls in type(error).__mro__}
    if (isinstance(state, str) and state.startswith("08")) or (
        state is None and "OperationalError" in names
    ):
        return StoreFaultError(f"{where}: cannot reach the store: {reason}")
    return None


def database_error_line(error: BaseException) -> str | None:
    """One line for any database-driver or SQLAlchemy error that escaped; None otherwise."""
    modules = {cls.__module__.split(".")[0] for cls in type(error).__mro__}
    if isinstance(error, sqlite3.Error) or modules & {"sqlalchemy", "psycopg", "psycopg2"}:
        return f"store error: {one_line(error)}"
    return None
