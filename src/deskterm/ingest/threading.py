"""Threading: which existing ticket a new message belongs to (JWZ-style, then optional grouping)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from deskterm.domain.messages import InboundMessage
from deskterm.domain.subjects import normalize_subject
from deskterm.store.tables import ThreadRef, Ticket

GROUPING_WINDOW = timedelta(days=7)


def candidate_ids(message: InboundMessage) -> list[str]:
    """Ids the message points at, most specific first: In-Reply-To, last reference, others."""
    ordered: list[str] = []
    for msgid in [message.in_reply_to, *reversed(message.references)]:
        if msgid and msgid != message.external_id and msgid not in ordered:
            ordered.append(msgid)
    return ordered


def find_ticket_by_refs(session: Session, channel_id: int, message: InboundMessage) -> int | None:
    """The ticket holding a message this one replies to, or a reply that arrived before it."""
    wanted = candidate_ids(message)
    if wanted:
        rows = session.exec(
            select(ThreadRef.msgid, ThreadRef.ticket_id, ThreadRef.is_self).where(
                ThreadRef.channel_id == channel_id, col(ThreadRef.msgid).in_(wanted)
            )
        ).all()
        by_id: dict[str, int] = {}
        for msgid, ticket_id, is_self in rows:
            # Prefer the ticket where the referenced message actually is.
            if is_self or msgid not in by_id:
                by_id[msgid] = ticket_id
        for msgid in wanted:
            if msgid in by_id:
                return _survivor(session, by_id[msgid])
    if message.external_id:
        # A reply stored before its parent: the reply's ticket referenced this id.
        child = session.exec(
            select(ThreadRef.ticket_id).where(
                ThreadRef.channel_id == channel_id,
                ThreadRef.msgid == message.external_id,
                ThreadRef.is_self == False,  # noqa: E712  (SQL expression, not a Python test)
            )
        ).first()
        if child is not None:
            return _survivor(session, child)
    return None


def find_ticket_by_grouping(
    session: Session, channel_id: int, customer_id: int, subject: str, sent_at: datetime
) -> int | None:
    """Gmail-style: same normalised subject, same customer, within a week of its last message."""
    key = normalize_subject(subject)
    if not key:
        return None
    rows = session.exec(
        select(Ticket.id, Ticket.subject).where(
            Ticket.channel_id == channel_id,
            Ticket.customer_id == customer_id,
            col(Ticket.merged_into_id).is_(None),
            Ticket.last_message_at >= sent_at - GROUPING_WINDOW,
            Ticket.created_at <= sent_at + GROUPING_WINDOW,
        )
    ).all()
    for ticket_id, ticket_subject in rows:
        if normalize_subject(ticket_subject) == key and ticket_id is not None:
            return ticket_id
    return None


def _survivor(session: Session, ticket_id: int) -> int:
    # Follow merges so replies to a merged-away ticket land in the surviving one.
    for _ in range(50):
        merged_into = session.exec(
            select(Ticket.merged_into_id).where(Ticket.id == ticket_id)
        ).first()
        if merged_into is None:
            return ticket_id
        ticket_id = merged_into
    return ticket_id
