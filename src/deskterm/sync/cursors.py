"""Sync cursors: where each channel scope stopped, read and written inside ingest transactions."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from deskterm.store.tables import SyncCursor, utcnow


def load_cursor(session: Session, channel_id: int, scope: str) -> dict[str, Any]:
    """The stored cursor value for ``scope`` (empty when the scope was never synced)."""
    row = session.exec(
        select(SyncCursor).where(SyncCursor.channel_id == channel_id, SyncCursor.scope == scope)
    ).first()
    return dict(row.value) if row is not None else {}


def save_cursor(session: Session, channel_id: int, scope: str, value: dict[str, Any]) -> None:
    """Write the cursor in the caller's transaction (the one that stored the messages)."""
    row = session.exec(
        select(SyncCursor).where(SyncCursor.channel_id == channel_id, SyncCursor.scope == scope)
    ).first()
    if row is None:
        row = SyncCursor(channel_id=channel_id, scope=scope, value=value)
    else:
        row.value = dict(value)
        row.updated_at = utcnow()
    session.add(row)
