"""Threading: which existing ticket a new message belongs to (JWZ-style, then optional grouping)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, select

from deskterm.domain.messages import InboundMessage
from deskterm.domain.subjects import normalize_subject
from deskterm.store.tables import ThreadRef, Ticket, table_of

GROUPING_WINDOW = timedelta(days=7)
THREADREF = table_of(ThreadRef)
TICKET = table_of(Ticket)
_r, _t = THREADREF.c, TICKET.c
# Built once (see ingest.identity).
FIND_REFS = select(_r.msgid, _r.ticket_id, _r.is_self).where(
    _r.channel_id == bindparam("channel_id"), _r.msgid.in_(bindparam("ids", expanding=True))
)
FIND_CHILD = select(_r.ticket_id).where(
    _r.channel_id == bindparam("channel_id"),
    _r.msgid == bindparam("msgid"),
    _r.is_self.is_(False),
)
MERGED_INTO = select(_t.merged_into_id).where(_t.id == bindparam("id"))


# A References header can name any number of ids; mail clients thread on the root and the
# newest few dozen, and so does ingest, so a hostile header costs no more than a normal one
# (and every IN (...) over these ids stays far below the databases' parameter limits).
MAX_THREAD_IDS = 50


def capped_references(references: Sequence[str], limit: int = MAX_THREAD_IDS) -> list[str]:
    """The thread's root and the newest ids, in header order, at most ``limit`` of them."""
    if len(references) <= limit:
        return list(references)
    return [references[0], *references[len(references) - (limit - 1) :]]


def candidate_ids(message: InboundMessage) -> list[str]:
    """Ids the message points at, most specific first: In-Reply-To, last reference, others.

    At most MAX_THREAD_IDS + 1; linear in the size of the header.
    """
    references = capped_references(message.references)
    ordered: list[str] = []
    seen = {message.external_id}
    for msgid in [message.in_reply_to, *reversed(references)]:
        if msgid and msgid not in seen:
            seen.add(msgid)
            ordered.append(msgid)
    return ordered


def find_ticket_by_refs(conn: Connection, channel_id: int, message: InboundMessage) -> int | None:
    """The ticket holding a message this one replies to, or a reply that arrived before it."""
    wanted = candidate_ids(message)
    if wanted:
        rows = conn.execute(FIND_REFS, {"channel_id": channel_id, "ids": wanted}).all()
        by_id: dict[str, int] = {}
        for msgid, ticket_id, is_self in rows:
            # Prefer the ticket where the referenced message actually is.
            if is_self or msgid not in by_id:
                by_id[msgid] = ticket_id
        for msgid in wanted:
            if msgid in by_id:
                return survivor(conn, by_id[msgid])
    if message.external_id:
        # A reply stored before its parent: the reply's ticket referenced this id.
        child = conn.execute(
            FIND_CHILD, {"channel_id": channel_id, "msgid": message.external_id}
        ).first()
        if child is not None:
            return survivor(conn, int(child[0]))
    return None


def find_ticket_by_grouping(
    conn: Connection, channel_id: int, customer_id: int, subject: str, sent_at: datetime
) -> int | None:
    """Gmail-style: same normalised subject, same customer, within a week of its last message."""
    key = normalize_subject(subject)
    if not key:
        return None
    t = TICKET.c
    rows = conn.execute(
        select(t.id, t.subject).where(
            t.channel_id == channel_id,
            t.customer_id == customer_id,
            t.merged_into_id.is_(None),
            t.last_message_at >= sent_at - GROUPING_WINDOW,
            t.created_at <= sent_at + GROUPING_WINDOW,
        )
    ).all()
    for ticket_id, ticket_subject in rows:
        if normalize_subject(ticket_subject) == key:
            return int(ticket_id)
    return None


def survivor(conn: Connection, ticket_id: int) -> int:
    """Follow merges so replies to a merged-away ticket land in the surviving one."""
    for _ in range(50):
        row = conn.execute(MERGED_INTO, {"id": ticket_id}).first()
        if row is None or row[0] is None:
            return ticket_id
        ticket_id = int(row[0])
    return ticket_id
