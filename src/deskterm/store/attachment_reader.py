"""Read queries for attachment rows: one by id, or all of a message or a ticket."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from deskterm.domain.errors import NotFoundError
from deskterm.store.readdb import ReadDb

_COLUMNS = """
    a.id, a.message_id, m.ticket_id, a.filename, a.content_type, a.size, a.sha256,
    a.inline, a.content_id
"""
_FROM = "FROM attachment a JOIN message m ON m.id = a.message_id"


def get_attachment(db: ReadDb, attachment_id: int) -> dict[str, Any]:
    """One attachment's metadata (NotFoundError when there is no such attachment)."""
    rows = db.all(f"SELECT {_COLUMNS} {_FROM} WHERE a.id = :id", {"id": attachment_id})
    if not rows:
        raise NotFoundError(f"no attachment with id {attachment_id}")
    return _attachment_dict(rows[0])


def list_attachments(
    db: ReadDb, *, ticket_id: int | None = None, message_id: int | None = None
) -> list[dict[str, Any]]:
    """The attachments of one message or of a whole ticket, in conversation order."""
    if (ticket_id is None) == (message_id is None):
        raise ValueError("pass exactly one of ticket_id and message_id")
    where = "a.message_id = :id" if message_id is not None else "m.ticket_id = :id"
    params: dict[str, Any] = {"id": message_id if message_id is not None else ticket_id}
    rows = db.all(f"SELECT {_COLUMNS} {_FROM} WHERE {where} ORDER BY m.sent_at, m.id, a.id", params)
    return [_attachment_dict(row) for row in rows]


def _attachment_dict(row: Sequence[Any]) -> dict[str, Any]:
    return {
        "id": row[0],
        "message_id": row[1],
        "ticket_id": row[2],
        "filename": row[3],
        "content_type": row[4],
        "size": row[5],
        "sha256": row[6],
        "inline": bool(row[7]),
        "content_id": row[8],
    }
