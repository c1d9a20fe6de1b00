"""Label facts the TUI shows beyond the ``tickets --json`` fields: who set each intent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from deskterm.store.readdb import ReadDb
from deskterm.store.reader import IN_CHUNK


def intent_sources(db: ReadDb, ticket_ids: Sequence[int]) -> dict[int, str]:
    """``"agent"``, ``"model"`` or ``""`` for each of these tickets, by id (one primary-key
    lookup per chunk of ids, as the list's other per-page facts)."""
    ids = list(dict.fromkeys(ticket_ids))
    found: dict[int, str] = {}
    for start in range(0, len(ids), IN_CHUNK):
        names = {f"i{n}": value for n, value in enumerate(ids[start : start + IN_CHUNK])}
        rows = db.all(
            "SELECT id, intent_source FROM ticket"
            f" WHERE id IN ({', '.join(f':{name}' for name in names)})",
            names,
        )
        found.update({int(ticket_id): str(source or "") for ticket_id, source in rows})
    return found


def add_intent_sources(db: ReadDb, tickets: Sequence[dict[str, Any]]) -> None:
    """Give each ticket dict its ``intent_source`` (kept when the query already gave it)."""
    wanted = [int(ticket["id"]) for ticket in tickets if "intent_source" not in ticket]
    if not wanted:
        return
    sources = intent_sources(db, wanted)
    for ticket in tickets:
        ticket.setdefault("intent_source", sources.get(int(ticket["id"]), ""))
