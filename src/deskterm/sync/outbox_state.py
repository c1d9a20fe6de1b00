"""Outbox state shared by every channel's sender: attempts, back-off, state changes, recovery.

States (reliability.md 12): queued -> sending -> sent | failed | unknown. The state is
committed BEFORE the network step it describes, so a process killed at any point is
found again: a row left in ``sending`` becomes ``unknown`` and is looked up before it
is ever sent again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from deskterm.domain.enums import OutboxState
from deskterm.store.engine import Store
from deskterm.store.events import append_event
from deskterm.store.tables import Outbox, utcnow

MAX_ATTEMPTS = 8  # temporary failures before a reply is marked failed for the agent
BLOCKED = "cannot be sent: "  # last_error of a queued reply whose delivery cannot start
BACKOFF = (60, 300, 900, 1800, 3600, 7200, 14400)  # seconds between temporary failures


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` temporary failures."""
    return timedelta(seconds=BACKOFF[min(max(attempts - 1, 0), len(BACKOFF) - 1)])


def set_state(store: Store, outbox_id: int, state: OutboxState, **changes: object) -> None:
    with store.write() as session:
        row = session.get(Outbox, outbox_id)
        assert row is not None
        row.state = state.value
        row.updated_at = utcnow()
        for key, value in changes.items():
            setattr(row, key, value)
        session.add(row)
        kind = {
            OutboxState.SENT: "reply.sent",
            OutboxState.FAILED: "reply.failed",
            OutboxState.UNKNOWN: "reply.unknown",
        }.get(state)
        if kind:
            append_event(
                session,
                row.ticket_id,
                kind,
                actor="sync:outbox",
                outbox_id=outbox_id,
                error=row.last_error,
            )


def recover_interrupted(store: Store, channel_id: int) -> int:
    """Rows left in ``sending`` by a process that died: their delivery is unknown."""
    with store.write() as session:
        rows = session.exec(
            select(Outbox).where(
                Outbox.channel_id == channel_id, Outbox.state == OutboxState.SENDING.value
            )
        ).all()
        for row in rows:
            row.state = OutboxState.UNKNOWN.value
            row.last_error = "interrupted while sending; checking the Sent folder before resending"
            row.updated_at = utcnow()
            session.add(row)
        return len(rows)


def due_rows(store: Store, channel_id: int, state: OutboxState, now: datetime) -> list[int]:
    with store.read() as session:
        query = select(Outbox.id).where(
            Outbox.channel_id == channel_id, Outbox.state == state.value
        )
        if state is OutboxState.QUEUED:
            query = query.where(col(Outbox.next_attempt_at) <= now)
        return [row_id for row_id in session.exec(query.order_by(col(Outbox.id))) if row_id]


def mark_blocked(
    store: Store, reason: str, *, channel_id: int | None = None, ticket_id: int | None = None
) -> list[int]:
    """Queued replies (of a channel, or of a ticket) that cannot be sent: record ``reason``.

    Delivery could not even start (a secret that cannot be read, a channel missing from
    the config). The replies stay queued, so they go out once the cause is fixed; the
    reason shows beside them (``show --json``, the conversation) until then. Written only
    when it changed: the daemon retries every few seconds.
    """
    error = BLOCKED + reason
    query = select(Outbox.id).where(
        Outbox.state == OutboxState.QUEUED.value, col(Outbox.last_error) != error
    )
    if channel_id is not None:
        query = query.where(Outbox.channel_id == channel_id)
    if ticket_id is not None:
        query = query.where(Outbox.ticket_id == ticket_id)
    with store.read() as session:
        stale = [row_id for row_id in session.exec(query) if row_id]
    if not stale:
        return []
    with store.write() as session:
        for row in session.exec(select(Outbox).where(col(Outbox.id).in_(stale))):
            if row.state == OutboxState.QUEUED.value:  # it may have been sent meanwhile
                row.last_error = error
                row.updated_at = utcnow()
                session.add(row)
    return stale
