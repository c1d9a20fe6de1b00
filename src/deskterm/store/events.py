"""The append-only event log: who did what to which ticket, when."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, func, select

from deskterm.store.tables import Event, RuleCursor, utcnow


def append_event(
    session: Session,
    ticket_id: int | None,
    kind: str,
    *,
    actor: str,
    agent_id: int | None = None,
    **data: Any,
) -> None:
    """Add one event in the caller's transaction (events are never updated or deleted)."""
    session.add(Event(ticket_id=ticket_id, agent_id=agent_id, actor=actor, kind=kind, data=data))


def last_event_id(session: Session) -> int:
    """The newest event's id (0 for an empty log)."""
    return int(session.exec(select(func.max(Event.id))).one() or 0)


def event_cursor(session: Session, name: str) -> RuleCursor:
    """How far the reader ``name`` (``rules``, ``csat``) has read the log, in the caller's
    transaction; a reader's first use starts it at the end, so it never replays history."""
    cursor = session.get(RuleCursor, name)
    if cursor is None:
        cursor = RuleCursor(name=name, event_id=last_event_id(session))
        session.add(cursor)
        session.flush()
    return cursor


def advance_cursor(session: Session, name: str, event_id: int) -> None:
    """Move the reader ``name`` on to ``event_id`` (never back)."""
    cursor = event_cursor(session, name)
    if event_id > cursor.event_id:
        cursor.event_id, cursor.updated_at = event_id, utcnow()
        session.add(cursor)
