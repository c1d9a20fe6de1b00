"""Per-agent read state: mark a ticket read when the agent opens it, or unread again."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, col, select

from deskterm.domain.errors import NotFoundError
from deskterm.services.actor import Actor
from deskterm.store.engine import Store
from deskterm.store.tables import ReadMark, Ticket, as_utc, table_of, utcnow
from deskterm.store.upsert import upsert

# Reading is not a change to the ticket: no event is logged and updated_at stays, or
# every glance at a ticket would flood the activity log and reorder "recently updated".


def mark_read(store: Store, ticket_id: int, actor: Actor) -> bool:
    """Record that the actor has seen every inbound message of the ticket so far.

    Called each time an agent opens a ticket, so it only reads when nothing is new
    (no write lock taken). Returns whether a mark was written. Actors that are not
    agents (rules, sync) have no read state; for them this does nothing.
    """
    agent_id = actor.agent_id
    if agent_id is None:
        return False
    with store.read() as session:
        if not _needs_mark(session, ticket_id, agent_id):
            return False
    with store.write() as session:
        # Re-read under the write lock: a message may have arrived in between.
        last_in = session.exec(
            select(Ticket.last_inbound_at).where(Ticket.id == ticket_id)
        ).one()
        now = utcnow()
        # A customer's clock may run ahead (sent_at is their Date header); marking read
        # at "now" alone would leave such a ticket unread forever.
        read_at = max(now, as_utc(last_in)) if last_in is not None else now
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


def _needs_mark(session: Session, ticket_id: int, agent_id: int) -> bool:
    row = session.exec(
        select(Ticket.last_inbound_at, ReadMark.read_at)
        .outerjoin(
            ReadMark,
            (col(ReadMark.ticket_id) == col(Ticket.id)) & (col(ReadMark.agent_id) == agent_id),
        )
        .where(Ticket.id == ticket_id)
    ).first()
    if row is None:
        raise NotFoundError(f"no ticket with id {ticket_id}")
    last_in, read_at = row
    if last_in is None:
        # Nothing from the customer yet: not unread, and no mark is needed to keep it so.
        return False
    return read_at is None or as_utc(read_at) < as_utc(last_in)


def mark_unread(store: Store, ticket_id: int, actor: Actor) -> bool:
    """Forget the actor's read mark, so the ticket shows as unread again if it has inbound mail.

    Returns whether there was a mark.
    """
    if actor.agent_id is None:
        return False
    with store.write() as session:
        if session.get(Ticket, ticket_id) is None:
            raise NotFoundError(f"no ticket with id {ticket_id}")
        result = session.execute(
            delete(ReadMark).where(
                col(ReadMark.agent_id) == actor.agent_id, col(ReadMark.ticket_id) == ticket_id
            )
        )
        return bool(result.rowcount)
