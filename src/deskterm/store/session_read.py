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

        On SQLite the statement goes to the driver as it is, as ``SqliteReadDb`` sends the
        same SQL (sqlite3 reads ``:name`` itself): ``text()`` would parse every statement
        anew, and an ``IN`` list of 500 ids made that cost more than the query (rules)."""
        connection = self.session.connection()
        if self.dialect == "sqlite":
            return [tuple(row) for row in connection.exec_driver_sql(sql, params or {})]
        return [tuple(row) for row in connection.execute(text(sql), params or {})]

    def close(self) -> None:
        """Nothing to release: the session is the caller's."""
