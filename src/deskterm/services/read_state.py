"""Per-agent read state: mark a ticket read when the agent opens it, or unread again."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func
from sqlmodel import Session, col, select

from deskterm.domain.enums import Direction
from deskterm.domain.errors import NotFoundError
from deskterm.services.actor import Actor
from deskterm.store.engine import Store
from deskterm.store.tables import Message, ReadMark, Ticket, as_utc, table_of, utcnow
from deskterm.store.upsert import upsert

# Reading is not a change to the ticket: no event is logged and updated_at stays, or
# every glance at a ticket would flood the activity log and reorder "recently updated".
# Unread compares the arrival of inbound messages (received_at, our clock) with the
# mark, as store.reader.unread_ids does; the sender's date may lag or run ahead.


def mark_read(store: Store, ticket_id: int, actor: Actor) -> bool:
    """Record that the actor has seen every inbound message of the ticket so far.

    Called each time an agent opens a ticket, so when nothing is new it only reads
    (no write lock is taken). Returns whether a mark was written. Actors that are not
    agents (rules, sync) have no read state; for them this does nothing.
    """
    agent_id = actor.agent_id
    if agent_id is None:
        return False
    with store.read() as session:
        newest, mark = _newest_and_mark(session, ticket_id, agent_id)
    if newest is None or (mark is not None and mark >= newest):
        # Nothing from the customer yet, or nothing since the mark: already read.
        return False
    with store.write() as session:
        # Re-read under the write lock: a message may have arrived in between.
        newest, _mark = _newest_and_mark(session, ticket_id, agent_id)
        # Another machine sharing a PostgreSQL store may run a little ahead of this one.
        read_at = max(utcnow(), newest) if newest is not None else utcnow()
        values = {"agent_id": agent_id, "ticket_id": ticket_id, "read_at": read_at}
        session.execute(
            upsert(
                store.dialect,
                table_of(ReadMark),
                values,
                keys=("agent_id", "ticket_id"),
                update=("read_at",),
            )
        )
    return True


def _newest_and_mark(
    session: Session, ticket_id: int, agent_id: int
) -> tuple[datetime | None, datetime | None]:
    """When the newest inbound message arrived, and the agent's read mark, if any."""
    row = session.exec(
        select(Ticket.id, ReadMark.read_at)
        .outerjoin(
            ReadMark,
            (col(ReadMark.ticket_id) == col(Ticket.id)) & (col(ReadMark.agent_id) == agent_id),
        )
        .where(Ticket.id == ticket_id)
    ).first()
    if row is None:
        raise NotFoundError(f"no ticket with id {ticket_id}")
    newest = session.exec(
        select(func.max(Message.received_at)).where(
            Message.ticket_id == ticket_id, Message.direction == Direction.IN.value
        )
    ).one()
    read_at = row[1]
    return (
        None if newest is None else as_utc(newest),
        None if read_at is None else as_utc(read_at),
    )


def mark_unread(store: Store, ticket_id: int, actor: Actor) -> bool:
    """Forget the actor's read mark: the ticket shows as unread again if it has inbound mail.

    Returns whether there was a mark.
    """
    if actor.agent_id is None:
        return False
    with store.write() as session:
        if session.get(Ticket, ticket_id) is None:
            raise NotFoundError(f"no ticket with id {ticket_id}")
        statement = delete(ReadMark).where(
            col(ReadMark.agent_id) == actor.agent_id, col(ReadMark.ticket_id) == ticket_id
        )
        result = cast(CursorResult[Any], session.execute(statement))
        return bool(result.rowcount)
