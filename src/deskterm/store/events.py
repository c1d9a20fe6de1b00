"""The append-only event log: who did what to which ticket, when."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from deskterm.store.tables import Event


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
