"""Wait for the SQLite store's write lock: a note after a moment, one line if it takes too long.

Why not just a long ``busy_timeout``: SQLite's own busy handler sleeps up to 100 ms between
tries, so it can keep missing the short gaps a long writer (an import committing batch
after batch) leaves between its transactions, and it cannot say that it is waiting. Short
busy timeouts in a loop poll every few milliseconds, and the loop can speak.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from deskterm.domain.errors import StoreBusyError
from deskterm.store.faults import SQLITE_BUSY, SQLITE_LOCKED, sqlite_code, store_fault
from deskterm.store.writers import active

log = logging.getLogger(__name__)

LIMIT_ENV = "DESKTERM_STORE_BUSY_TIMEOUT"  # seconds a write waits for the lock (README)
DEFAULT_LIMIT_SECONDS = 120.0
NOTICE_AFTER_SECONDS = 2.0
POLL_MS = 50  # one try's busy timeout: SQLite retries within it after 1, 2, 5, 10 … ms

Notice = Callable[[str], None]


def busy_limit() -> float:
    """How long a write waits for the lock: ``$DESKTERM_STORE_BUSY_TIMEOUT`` or 120 s."""
    raw = os.environ.get(LIMIT_ENV, "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_LIMIT_SECONDS
    return value if 0 <= value < 10**7 else DEFAULT_LIMIT_SECONDS


def _log_notice(text: str) -> None:
    log.warning("%s", text)


def begin_immediate(
    conn: sqlite3.Connection, path: Path, *, notice: Notice | None, busy_timeout_ms: int
) -> None:
    """``BEGIN IMMEDIATE`` on ``conn``, waiting for another process's write lock.

    After NOTICE_AFTER_SECONDS ``notice`` hears that we wait (once); past busy_limit()
    StoreBusyError says so in one line. ``busy_timeout_ms`` is restored afterwards.
    """
    limit = busy_limit()
    started = time.monotonic()
    noticed = False
    conn.execute(f"PRAGMA busy_timeout = {POLL_MS}")
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.Error as exc:
                if sqlite_code(exc) not in (SQLITE_BUSY, SQLITE_LOCKED):
                    fault = store_fault(exc, path, where=str(path))
                    if fault is None:
                        raise
                    raise fault from exc
            waited = time.monotonic() - started
            if waited >= limit:
                raise StoreBusyError(
                    f"{path}: store busy: {_who(path)} held the write lock for {waited:.0f} s;"
                    f" try again when it has finished (${LIMIT_ENV} sets how long to wait)"
                ) from None
            if not noticed and waited >= NOTICE_AFTER_SECONDS:
                noticed = True
                who = _who(path)
                verb = "are" if " and " in who else "is"
                (notice or _log_notice)(
                    f"store busy: {who} {verb} writing; waiting up to {limit:.0f} s…"
                )
    finally:
        # A failing connection has raised its own error already.
        with contextlib.suppress(sqlite3.Error):
            conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")


def _who(path: Path) -> str:
    writers = active(path)
    return " and ".join(writers) if writers else "another deskterm process (an import or sync?)"
