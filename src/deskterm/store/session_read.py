"""A ReadDb over an open SQLAlchemy session: the read queries, inside a write transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel import Session


class SessionReadDb:
    """``store.readdb.ReadDb`` on ``session``'s connection: the rules engine reads the
    ticket it is about to change in the same transaction as the change."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    def all(self, sql: str, params: dict[str, Any] | None = None) -> list[Sequence[Any]]:
        """Run ``sql`` and return every row.

        On SQLite the statement goes to the driver's cursor as it is, as ``SqliteReadDb``
        sends the same SQL (sqlite3 reads ``:name`` itself): ``text()`` would parse every
        statement anew (an ``IN`` list of 500 ids cost more than the query), and even
        ``exec_driver_sql`` costs more than a one-ticket query (the rules engine runs tens
        of thousands). Same connection, same transaction: it sees the session's writes."""
        connection = self.session.connection()
        if self.dialect == "sqlite":
            cursor = connection.connection.cursor()
            try:
                return [tuple(row) for row in cursor.execute(sql, params or {}).fetchall()]
            finally:
                cursor.close()
        return [tuple(row) for row in connection.execute(text(sql), params or {})]

    def close(self) -> None:
        """Nothing to release: the session is the caller's."""
