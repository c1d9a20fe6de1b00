"""The rows ``deskterm export`` writes: documented columns, read a page at a time.

Pages are read by key (``id > last``), never by OFFSET and never all at once: an export
of 100k tickets or a million messages holds one page in memory, whatever the store
holds, and each page costs the same (an OFFSET scan grows with every page).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from deskterm.domain.enums import shown_status
from deskterm.store.query_sql import datetime_param
from deskterm.store.readdb import ReadDb
from deskterm.store.reader import first_replies, ticket_tags
from deskterm.store.sql_in import in_query

PAGE = 2_000  # rows read per query (and written per parquet row group slice)

# On SQLite "+" keeps the planner off the time and channel indexes: with them, each page
# read every row of the period (or channel) and sorted them by id (0.2 s a page at 100k
# messages); without, a page is a walk along the primary key from the last id.

Kind = Literal["int", "float", "bool", "text", "time", "list"]


@dataclass(frozen=True, slots=True)
class Column:
    """One exported column: its name, its kind (how each format writes it) and meaning."""

    name: str
    kind: Kind
    doc: str


TICKET_COLUMNS: tuple[Column, ...] = (
    Column("id", "int", "ticket id (as in `deskterm show ID`)"),
    Column("channel", "text", "the channel's configured name"),
    Column("channel_type", "text", "email, tiktokshop, shopee, lazada"),
    Column("store", "text", "the commerce store the ticket belongs to, if any"),
    Column("subject", "text", "subject (email) or the conversation's title (chat)"),
    Column("status", "text", "open, closed or snoozed"),
    Column("spam", "bool", "marked as spam"),
    Column("priority", "text", "low, normal, high or urgent"),
    Column("assignee", "text", "the assigned agent's email, empty when unassigned"),
    Column("customer_id", "int", "the customer's id (one customer across channels)"),
    Column("customer_name", "text", "the customer's name"),
    Column("customer_email", "text", "the customer's first email address, if any"),
    Column("tags", "list", "tag names (CSV: joined with ';')"),
    Column("intent", "text", "the ticket's intent (e.g. shipping/status), if labelled"),
    Column("language", "text", "the customer's language (ISO 639-1), if detected"),
    Column("sentiments", "list", "sentiments that hold (CSV: joined with ';')"),
    Column("message_count", "int", "messages and notes in the ticket"),
    Column("created_at", "time", "when the ticket's first message was sent (UTC)"),
    Column("first_reply_at", "time", "the first public agent reply (not rules/auto)"),
    Column("last_message_at", "time", "the latest message (UTC)"),
    Column("closed_at", "time", "the last close (UTC); empty while never closed"),
    Column("snoozed_until", "time", "when a snoozed ticket opens again (UTC)"),
    Column("merged_into", "int", "the ticket this one was merged into, if any"),
)

MESSAGE_COLUMNS: tuple[Column, ...] = (
    Column("id", "int", "message id"),
    Column("ticket_id", "int", "the ticket it belongs to"),
    Column("channel", "text", "the channel's configured name"),
    Column("direction", "text", "in (customer), out (shop), note (internal), system (platform)"),
    Column("author", "text", "display name of the writer"),
    Column("author_handle", "text", "email address, buyer id or agent email"),
    Column("agent", "text", "the agent who wrote it (email), for replies and notes"),
    Column("auto", "bool", "sent by a rule, an autoresponder or a platform"),
    Column("subject", "text", "subject line (email)"),
    Column("body_text", "text", "the text as stored (HTML mail: its text rendering)"),
    Column("sent_at", "time", "when it was sent (UTC)"),
    Column("received_at", "time", "when deskterm stored it (UTC)"),
    Column("external_id", "text", "Message-ID or the platform's message id"),
    Column("has_attachments", "bool", "carries attachments"),
    Column("language", "text", "detected language (ISO 639-1), if labelled"),
    Column("intent", "text", "the message's intent, if labelled"),
    Column("sentiments", "list", "sentiments that hold (CSV: joined with ';')"),
)

_TICKETS = """
    SELECT t.id, ch.name, ch.type, t.store, t.subject, t.status, t.spam, t.priority,
           a.email, t.customer_id, cu.name, t.intent, t.language, t.sentiments,
           t.message_count, t.created_at, t.last_message_at, t.closed_at, t.snoozed_until,
           t.merged_into_id
    FROM ticket t
    JOIN channel ch ON ch.id = {plus}t.channel_id
    LEFT JOIN customer cu ON cu.id = t.customer_id
    LEFT JOIN agent a ON a.id = t.assignee_id
    WHERE t.id > :_last AND {plus}t.created_at >= :_since AND {plus}t.created_at < :_until
    ORDER BY t.id LIMIT :_page
"""

_MESSAGES = """
    SELECT m.id, m.ticket_id, ch.name, m.direction, m.author, m.author_handle, a.email,
           m.auto_submitted, m.subject, m.body_text, m.body_html_text, m.sent_at,
           m.received_at, m.external_id, m.has_attachments, m.language, m.intent,
           m.sentiments
    FROM message m
    JOIN channel ch ON ch.id = {plus}m.channel_id
    LEFT JOIN agent a ON a.id = m.agent_id
    WHERE m.id > :_last AND {plus}m.sent_at >= :_since AND {plus}m.sent_at < :_until
    ORDER BY m.id LIMIT :_page
"""

_COUNTS = {
    "tickets": "SELECT count(*) FROM ticket t"
    " WHERE t.created_at >= :_since AND t.created_at < :_until",
    "messages": "SELECT count(*) FROM message m WHERE m.sent_at >= :_since AND m.sent_at < :_until",
}


def count_rows(
    db: ReadDb, what: Literal["tickets", "messages"], since: datetime, until: datetime
) -> int:
    """How many rows an export of ``what`` over the period writes (for its progress)."""
    rows = db.all(_COUNTS[what], _period(db, since, until))
    return int(rows[0][0]) if rows else 0


def ticket_pages(db: ReadDb, since: datetime, until: datetime) -> Iterator[list[tuple[Any, ...]]]:
    """Tickets created in [since, until), oldest id first, a page at a time; each row has
    the values of TICKET_COLUMNS in order (times as stored: UTC, SQLite's text or the
    driver's datetime; the writers convert them, Parquet's in one vectorised cast)."""
    for rows in _pages(db, _TICKETS, since, until):
        ids = [int(row[0]) for row in rows]
        tags = ticket_tags(db, ids)
        customers = sorted({int(row[9]) for row in rows if row[9] is not None})
        emails: dict[int, str] = {}
        for customer_id, value in in_query(
            db,
            "SELECT customer_id, value FROM customeridentity"
            " WHERE customer_id IN ({ids}) AND kind = 'email' ORDER BY id",
            customers,
        ):
            emails.setdefault(int(customer_id), str(value))
        replied = first_replies(db, ids)
        yield [
            (
                int(row[0]),
                row[1],
                row[2],
                row[3],
                row[4] or "",
                shown_status(row[5], row[18]),
                bool(row[6]),
                row[7],
                row[8],
                row[9],
                row[10] or "",
                emails.get(int(row[9])) if row[9] is not None else None,
                tags.get(int(row[0]), []),
                row[11],
                row[12],
                (row[13] or "").split(),
                int(row[14] or 0),
                row[15],
                replied.get(int(row[0])),
                row[16],
                row[17],
                row[18],
                row[19],
            )
            for row in rows
        ]


def message_pages(db: ReadDb, since: datetime, until: datetime) -> Iterator[list[tuple[Any, ...]]]:
    """Messages sent in [since, until), oldest id first, a page at a time; each row has
    the values of MESSAGE_COLUMNS in order."""
    for rows in _pages(db, _MESSAGES, since, until):
        yield [
            (
                int(row[0]),
                int(row[1]),
                row[2],
                row[3],
                row[4] or "",
                row[5] or "",
                row[6],
                bool(row[7]),
                row[8] or "",
                row[9] or row[10] or "",
                row[11],
                row[12],
                row[13] or "",
                bool(row[14]),
                row[15],
                row[16],
                (row[17] or "").split(),
            )
            for row in rows
        ]


def _pages(db: ReadDb, sql: str, since: datetime, until: datetime) -> Iterator[list[Any]]:
    """The rows of ``sql`` (id first) in the period, PAGE at a time, by id."""
    params = _period(db, since, until)
    query = sql.format(plus=_plus(db))
    last = 0
    while True:
        rows = db.all(query, {**params, "_last": last, "_page": PAGE})
        if not rows:
            return
        last = int(rows[-1][0])
        yield rows


def _plus(db: ReadDb) -> str:
    return "+" if db.dialect == "sqlite" else ""


def _period(db: ReadDb, since: datetime, until: datetime) -> dict[str, Any]:
    return {
        "_since": datetime_param(since, db.dialect),
        "_until": datetime_param(until, db.dialect),
    }
