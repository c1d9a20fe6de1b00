"""``IN (...)`` lists of bound values, in chunks below every database's parameter limit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from deskterm.store.readdb import ReadDb

# Ids per IN (...): far below SQLite's and PostgreSQL's parameter limits, whatever a ticket
# holds (a hostile sender can put any number of messages into one ticket). Every caller
# groups by the listed id, so concatenating the chunks' results keeps each group whole.
IN_CHUNK = 500


def in_query(
    db: ReadDb, sql: str, ids: Sequence[Any], params: dict[str, Any] | None = None
) -> list[Any]:
    """``sql`` with ``{ids}`` where the bound list goes, run over ``ids`` chunk by chunk."""
    rows: list[Any] = []
    for start in range(0, len(ids), IN_CHUNK):
        names = {f"i{n}": value for n, value in enumerate(ids[start : start + IN_CHUNK])}
        rows += db.all(
            sql.format(ids=", ".join(f":{name}" for name in names)), {**(params or {}), **names}
        )
    return rows
