"""Failed ingests: which failures are the store's, one-line reasons, and per-message counts.

A message that fails to be stored twice is stored raw instead (ingest.fallback); the count
must survive a restart, or a message that fails on every pass would hold its folder forever
(issue 9). Sync keeps it in the scope's cursor row; an import keeps it in memory.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy.exc import StatementError

from deskterm.domain.errors import StoreFaultError
from deskterm.store.engine import Store
from deskterm.sync.cursors import load_cursor, save_cursor
from deskterm.sync.faults import crash_point

FALLBACK_AFTER = 2  # failures of one message before it is stored raw
MAX_REASON_CHARS = 300

# SQLite primary result codes that mean the database, not the message, is at fault:
# BUSY, LOCKED, NOMEM, READONLY, INTERRUPT, IOERR, CORRUPT, FULL, CANTOPEN, PROTOCOL, NOTADB.
_SQLITE_STORE_CODES = frozenset({5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 26})
# PostgreSQL SQLSTATE classes of the same kind: connection, transaction rollback
# (serialization, deadlock), insufficient resources, operator intervention, system errors.
_PG_STORE_CLASSES = frozenset({"08", "40", "53", "57", "58", "XX"})
_OS_STORE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS})


def is_store_fault(exc: BaseException) -> bool:
    """True when storing failed because of the store (locked, full, broken, gone).

    Such a failure says nothing about the message: it is never counted against it, so a
    good message is never stored in the plainer fallback form because the disk was full.
    """
    if isinstance(exc, StoreFaultError):
        return True
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        code = (
            getattr(current, "sqlite_errorcode", None)
            if isinstance(current, sqlite3.Error)
            else None
        )
        if isinstance(code, int) and code & 0xFF in _SQLITE_STORE_CODES:
            return True
        sqlstate = getattr(current, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate[:2] in _PG_STORE_CLASSES:
            return True
        if isinstance(current, OSError) and current.errno in _OS_STORE_ERRNOS:
            return True
        inner = current.orig if isinstance(current, StatementError) else None
        current = inner or current.__cause__ or current.__context__
    return False


def describe_failure(exc: BaseException) -> str:
    """``Kind: what the driver said``, one line, without the SQL or its parameters."""
    inner = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    text = " ".join(str(inner).split())
    return f"{type(inner).__name__}: {text}"[:MAX_REASON_CHARS]


class FailureLedger(Protocol):
    """Failures of the messages of one batch (by index), counted across attempts."""

    def failures(self, index: int) -> int:
        """How often messages[index] already failed to be stored."""
        ...

    def record(self, index: int, reason: str) -> int:
        """Count one more failure of messages[index]; returns the new total."""
        ...

    def reason(self, index: int) -> str:
        """Why messages[index] last failed ("" when it never did)."""
        ...


class MemoryLedger:
    """Counts for one run (an import: the run retries a failing message right away)."""

    def __init__(self) -> None:
        self._counts: dict[int, int] = {}
        self._reasons: dict[int, str] = {}

    def failures(self, index: int) -> int:
        return self._counts.get(index, 0)

    def record(self, index: int, reason: str) -> int:
        self._counts[index] = self._counts.get(index, 0) + 1
        self._reasons[index] = reason
        return self._counts[index]

    def reason(self, index: int) -> str:
        return self._reasons.get(index, "")


class CursorLedger:
    """Counts kept in a sync scope's cursor row under ``"failing"``.

    Sync stops at a failing message, so at most one per scope is failing: the one right
    after the cursor. Its count is committed on its own; storing the message (which moves
    the cursor) replaces the whole cursor value and so clears it. A kill before the count
    is committed costs one more attempt, never a message.
    """

    def __init__(
        self,
        store: Store,
        channel_id: int,
        scope: str,
        keys: Sequence[str],
        *,
        start: Callable[[], dict[str, Any]],
        failing: dict[str, Any] | None,
    ) -> None:
        self.store = store
        self.channel_id = channel_id
        self.scope = scope
        self.keys = list(keys)
        self.start = start  # the cursor value to write when the scope has none yet
        self.failing = dict(failing or {})

    def failures(self, index: int) -> int:
        if self.failing.get("key") != self.keys[index]:
            return 0
        count = self.failing.get("count")
        return count if isinstance(count, int) else 0

    def record(self, index: int, reason: str) -> int:
        count = self.failures(index) + 1
        self.failing = {"key": self.keys[index], "count": count, "reason": reason}
        with self.store.write() as session:
            value = load_cursor(session, self.channel_id, self.scope) or self.start()
            save_cursor(session, self.channel_id, self.scope, {**value, "failing": self.failing})
        crash_point("sync.failure_recorded")
        return count

    def reason(self, index: int) -> str:
        reason = self.failing.get("reason") if self.failures(index) else ""
        return reason if isinstance(reason, str) else ""


def failing_entry(cursor: dict[str, Any]) -> dict[str, Any] | None:
    """The cursor's record of a failing message, if it has a usable one."""
    entry = cursor.get("failing")
    return entry if isinstance(entry, dict) else None
