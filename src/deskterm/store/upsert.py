"""Insert-or-update in one statement on SQLite and PostgreSQL (INSERT ... ON CONFLICT)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert


def upsert(
    dialect: str,
    table: Table,
    values: Mapping[str, Any],
    keys: Sequence[str],
    update: Sequence[str],
) -> Insert:
    """INSERT ``values``; when a row with the same ``keys`` exists, set its ``update`` columns.

    One statement rather than select-then-insert: two processes writing the same key at
    once (two TUIs of one agent on a shared PostgreSQL store) must not hit the unique key.
    """
    changes = {name: values[name] for name in update}
    if dialect == "sqlite":
        lite = sqlite.insert(table).values(dict(values))
        return lite.on_conflict_do_update(index_elements=list(keys), set_=changes)
    if dialect == "postgresql":
        pg = postgresql.insert(table).values(dict(values))
        return pg.on_conflict_do_update(index_elements=list(keys), set_=changes)
    raise NotImplementedError(f"upsert is not supported on {dialect}")
