"""Snooze expiry: the "snooze ended" trigger that reopens tickets when their time comes."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from deskterm.store.engine import Store
from deskterm.store.events import append_event
from deskterm.store.tables import Ticket, as_utc, utcnow


def wake_snoozed(
    store: Store, *, actor: str, agent_id: int | None = None, now: datetime | None = None
) -> list[int]:
    """Reopen every ticket whose snooze has ended; returns their ids."""
    moment = as_utc(now or utcnow())
    with store.write() as session:
        due = session.exec(
            select(Ticket).where(
                col(Ticket.snoozed_until).is_not(None), col(Ticket.snoozed_until) <= moment
            )
        ).all()
        for ticket in due:
            ticket.status, ticket.snoozed_until, ticket.updated_at = "open", None, utcnow()
            session.add(ticket)
            append_event(session, ticket.id, "snooze.ended", actor=actor, agent_id=agent_id)
        return [ticket.id for ticket in due if ticket.id is not None]
