"""ingest_message: one normalised message becomes customer, ticket, message and index rows."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, case, insert, or_, select, update
from sqlmodel import Session

from deskterm.automation.csat_rating import Rating
from deskterm.domain.enums import Direction, IdentityKind, TicketStatus
from deskterm.domain.labels import MessageLabels
from deskterm.domain.messages import InboundMessage, Party
from deskterm.domain.text import clean_stored_text, one_line
from deskterm.ingest.context import ChannelContext
from deskterm.ingest.csat_answers import record_answer, survey_answer
from deskterm.ingest.identity import resolve_customer
from deskterm.ingest.threading import (
    TICKET,
    capped_references,
    find_ticket_by_grouping,
    find_ticket_by_refs,
)
from deskterm.store.blobs import put_blob
from deskterm.store.search_index import reindex_ticket
from deskterm.store.tables import (
    Attachment,
    Event,
    Message,
    MessageRaw,
    ThreadRef,
    as_utc,
    inserted_id,
    table_of,
    utcnow,
)

# Core tables: see ingest.identity for why the hot path skips the ORM.
CLOSE_SKEW = timedelta(minutes=5)
"""How far before a close a customer message may be dated and still reopen the ticket."""

MESSAGE = table_of(Message)
MESSAGE_RAW = table_of(MessageRaw)
ATTACHMENT = table_of(Attachment)
THREADREF = table_of(ThreadRef)
EVENT = table_of(Event)
_m, _r, _t = MESSAGE.c, THREADREF.c, TICKET.c
# Built once (see ingest.identity).
# Our own replies are stored when queued (content_hash "outbox:<id>"); the server's copy
# of one (a synced Sent folder) is the same message, not a new one.
FIND_DUPLICATE = select(_m.id, _m.ticket_id).where(
    _m.channel_id == bindparam("channel_id"),
    _m.external_id == bindparam("external_id"),
    or_(_m.content_hash == bindparam("content_hash"), _m.content_hash.startswith("outbox:")),
)
TICKET_STATE = select(
    _t.created_at,
    _t.last_message_at,
    _t.last_inbound_at,
    _t.status,
    _t.spam,
    _t.closed_at,
    _t.message_count,
    _t.subject,
    _t.snoozed_until,
).where(_t.id == bindparam("id"))
_UPDATED_COLUMNS = (
    "message_count",
    "updated_at",
    "created_at",
    "subject",
    "last_message_at",
    "last_inbound_at",
    "status",
    "snoozed_until",
)
INSERT_EVENT = insert(EVENT)
UPDATE_TICKET = (
    update(TICKET)
    .where(_t.id == bindparam("ticket_pk"))
    .values({name: bindparam(f"v_{name}") for name in _UPDATED_COLUMNS})
)
PEOPLES_MESSAGE = (
    select(_m.id)
    .where(_m.ticket_id == bindparam("ticket_id"), _m.direction != Direction.SYSTEM.value)
    .limit(1)
)
EXISTING_REFS = select(_r.msgid, _r.is_self).where(
    _r.ticket_id == bindparam("ticket_id"), _r.msgid.in_(bindparam("ids", expanding=True))
)


# What a reply of ours needs (compose keeps ~20) with room to spare; the raw copy keeps all.
MAX_STORED_REFERENCES = 100
MAX_ORDER_REF = 64  # platform order ids are 12-20 characters; a hostile card's is cut


@dataclass(frozen=True)
class IngestResult:
    """What ingest did with one message."""

    message_id: int
    ticket_id: int
    duplicate: bool = False
    ticket_created: bool = False
    ticket_reopened: bool = False


def _sent_at_or_now(moment: datetime | None) -> datetime:
    # A message without a usable date counts as arriving now.
    return utcnow() if moment is None else as_utc(moment)


@dataclass(frozen=True)
class _Sides:
    """Who a message is from and for, as the ticket sees it."""

    direction: Direction
    customer: Party | None
    author: Party  # shown as the writer; its handle is where a reply goes
    groupable: bool = True  # may join the customer's recent ticket by subject


def _sides(channel: ChannelContext, message: InboundMessage) -> _Sides:
    sender = message.sender
    if message.platform_notice:
        # The marketplace's own notice: filed with the buyer's conversation, said by nobody.
        customer = message.recipients[0] if message.recipients else None
        return _Sides(Direction.SYSTEM, customer, sender)
    if message.outbound:
        return _Sides(Direction.OUT, message.recipients[0] if message.recipients else None, sender)
    if sender.kind is not IdentityKind.EMAIL or not channel.is_shop_side(sender.handle):
        return _Sides(Direction.IN, sender if sender.handle else None, sender)
    outside = [p for p in message.recipients + message.cc if not channel.is_shop_side(p.handle)]
    writer = next(
        (p for p in message.reply_to if p.handle and not channel.is_shop_side(p.handle)), None
    )
    if writer is not None and all(p.handle == writer.handle for p in outside):
        # A contact form (the shop's form / no-reply sender, or a hosted form's mailer)
        # writing to the shop: the person in Reply-To wrote it, and replies go to them.
        via = f"{writer.name or writer.handle} via {sender.name or sender.handle}"
        return _Sides(Direction.IN, writer, Party(via, writer.handle))
    if channel.is_own(sender.handle) or (channel.on_own_domain(sender.handle) and outside):
        return _Sides(Direction.OUT, outside[0] if outside else None, sender)
    # A form without a Reply-To: who wrote it is unknown, so two of them with the same
    # subject are never one conversation (channels.md: participants are part of the key).
    return _Sides(Direction.IN, sender, sender, groupable=False)


def find_duplicate(
    conn: Connection, channel_id: int, message: InboundMessage
) -> tuple[int, int] | None:
    """(message id, ticket id) of the stored copy of ``message`` (same id AND content)."""
    row = conn.execute(
        FIND_DUPLICATE,
        {
            "channel_id": channel_id,
            "external_id": message.external_id,
            "content_hash": message.content_hash,
        },
    ).first()
    return None if row is None else (int(row[0]), int(row[1]))


def ingest_message(
    session: Session | Connection,
    channel: ChannelContext,
    message: InboundMessage,
    *,
    blob_root: Path,
    actor: str,
    labels: MessageLabels | None = None,
) -> IngestResult:
    """Store ``message`` inside the caller's transaction; idempotent on (external id, content).

    ``labels`` (computed before the transaction) are stored with the message; a customer
    message's also become the ticket's when it is the ticket's newest customer message.
    """
    conn = session if isinstance(session, Connection) else session.connection()
    existing = find_duplicate(conn, channel.id, message)
    if existing is not None:
        return IngestResult(existing[0], existing[1], duplicate=True)

    sides = _sides(channel, message)
    direction, party = sides.direction, sides.customer
    customer_id = resolve_customer(conn, party, scope=channel.type) if party else None
    sent_at = _sent_at_or_now(message.sent_at)
    subject = one_line(clean_stored_text(message.subject))

    ticket_id = find_ticket_by_refs(conn, channel.id, message)
    if ticket_id is None and channel.gmail_grouping and customer_id is not None and sides.groupable:
        ticket_id = find_ticket_by_grouping(conn, channel.id, customer_id, subject, sent_at)

    created = reopened = False
    answer: tuple[int, Rating] | None = None
    if ticket_id is None:
        ticket_id = _create_ticket(
            conn,
            channel,
            customer_id=customer_id,
            subject=subject,
            sent_at=sent_at,
            direction=direction,
        )
        created = True
        reindex = True
    else:
        if direction is Direction.IN and not message.auto_submitted:
            # A rating that answers the ticket's survey does not reopen it.
            answer = survey_answer(
                conn, ticket_id, message.body_text or message.body_html_text, sent_at
            )
        stand_in = one_line(clean_stored_text(message.stand_in_subject))
        reopened, reindex = _update_ticket(
            conn,
            ticket_id,
            direction,
            subject,
            sent_at,
            stand_in=stand_in,
            reopen=answer is None,
        )

    message_id = _insert_message(
        conn,
        channel,
        message,
        ticket_id=ticket_id,
        direction=direction,
        author=sides.author,
        subject=subject,
        sent_at=sent_at,
        blob_root=blob_root,
        labels=_own_labels(labels, direction, message),
    )
    if labels is not None and direction is Direction.IN and not message.auto_submitted:
        label_ticket(conn, ticket_id, labels, sent_at)
    _add_thread_refs(conn, channel.id, ticket_id, message)
    if created:
        _event(conn, ticket_id, actor, "ticket.created")
    elif reopened:
        _event(conn, ticket_id, actor, "ticket.reopened")
    if answer is not None:
        survey_id, rating = answer
        record_answer(conn, survey_id, rating, message_id, sent_at)
        _event(
            conn,
            ticket_id,
            actor,
            "survey.answered",
            survey_id=survey_id,
            message_id=message_id,
            score=rating.score,
        )
    # What the rules engine reads (message.created): every stored message, any direction.
    _event(
        conn, ticket_id, actor, "message.received", message_id=message_id, direction=direction.value
    )
    if reindex:
        reindex_ticket(conn, ticket_id)
    return IngestResult(message_id, ticket_id, ticket_created=created, ticket_reopened=reopened)


def _create_ticket(
    conn: Connection,
    channel: ChannelContext,
    *,
    customer_id: int | None,
    subject: str,
    sent_at: datetime,
    direction: Direction,
) -> int:
    now = utcnow()
    result = conn.execute(
        insert(TICKET),
        {
            "channel_id": channel.id,
            "customer_id": customer_id,
            "subject": subject,
            # A conversation only a platform notice has spoken in needs nobody's answer yet.
            "status": (
                TicketStatus.CLOSED if direction is Direction.SYSTEM else TicketStatus.OPEN
            ).value,
            "spam": False,
            "priority": "normal",
            "store": channel.store,
            "sentiments": "",
            "message_count": 1,
            "created_at": sent_at,
            "updated_at": now,
            "last_message_at": sent_at,
            "last_inbound_at": sent_at if direction is Direction.IN else None,
        },
    )
    return inserted_id(result)


def _update_ticket(
    conn: Connection,
    ticket_id: int,
    direction: Direction,
    subject: str,
    sent_at: datetime,
    *,
    stand_in: str = "",
    reopen: bool = True,
) -> tuple[bool, bool]:
    """Count the message, move the clocks, reopen when due; returns (reopened, reindex).

    ``reopen`` False: a customer message that leaves a closed ticket closed (the rating
    that answers its satisfaction survey).

    ``stand_in`` is the name the ticket had while no words of the customer named it
    ("Chat with Siti"): the customer's first words replace it.
    """
    row = conn.execute(TICKET_STATE, {"id": ticket_id}).one()
    created_at, last_at, last_in, status, spam, closed_at, count, old_subject, snoozed = row
    values: dict[str, Any] = {
        "message_count": count + 1,
        "updated_at": utcnow(),
        "created_at": as_utc(created_at),
        "subject": old_subject,
        "last_message_at": max(as_utc(last_at), sent_at),
        "last_inbound_at": None if last_in is None else as_utc(last_in),
        "status": status,
        "snoozed_until": None if snoozed is None else as_utc(snoozed),
    }
    if direction is Direction.SYSTEM:
        # A platform notice is counted, nothing more: it moves no clock (the list's order
        # and the SLA are the people's), and it never reopens or answers the ticket.
        values["last_message_at"] = as_utc(last_at)
        conn.execute(UPDATE_TICKET, {"ticket_pk": ticket_id, **_params(values)})
        return False, False
    if last_in is None and _only_notices(conn, ticket_id):
        # The first words in a conversation a notice opened: as if they had opened it.
        values.update(created_at=sent_at, last_message_at=sent_at, subject=subject or old_subject)
        if direction is Direction.IN:
            values["last_inbound_at"] = sent_at
        if not spam:
            values.update(status=TicketStatus.OPEN.value, snoozed_until=None)
        conn.execute(UPDATE_TICKET, {"ticket_pk": ticket_id, **_params(values)})
        return False, True
    reindex = False
    if sent_at < values["created_at"]:
        # The conversation's real start arrived late (replies can precede their parent).
        values["created_at"] = sent_at
        if subject:
            values["subject"] = subject
            reindex = True
    reopened = False
    if direction is Direction.IN:
        if last_in is None or sent_at > as_utc(last_in):
            values["last_inbound_at"] = sent_at
        # A message dated before the close was seen before it (history fetched late does
        # not reopen), except within CLOSE_SKEW: a Date header has whole seconds and the
        # sender's clock may run a few minutes behind, and such a message was fetched
        # after the close, so no agent read it.
        after_close = closed_at is None or sent_at > as_utc(closed_at) - CLOSE_SKEW
        if status == TicketStatus.CLOSED.value and not spam and after_close and reopen:
            values.update(status=TicketStatus.OPEN.value, snoozed_until=None)
            reopened = True
        if stand_in and values["subject"] == stand_in and subject and subject != stand_in:
            values["subject"] = subject
            reindex = True
    conn.execute(UPDATE_TICKET, {"ticket_pk": ticket_id, **_params(values)})
    return reopened, reindex


def _params(values: dict[str, Any]) -> dict[str, Any]:
    return {f"v_{name}": value for name, value in values.items()}


def _only_notices(conn: Connection, ticket_id: int) -> bool:
    """True when every message of the ticket so far is a platform notice."""
    return conn.execute(PEOPLES_MESSAGE, {"ticket_id": ticket_id}).first() is None


def _insert_message(
    conn: Connection,
    channel: ChannelContext,
    message: InboundMessage,
    *,
    ticket_id: int,
    direction: Direction,
    author: Party,
    subject: str,
    sent_at: datetime,
    blob_root: Path,
    labels: MessageLabels | None,
) -> int:
    via = message.sender.handle if message.sender.handle != author.handle else ""
    result = conn.execute(
        insert(MESSAGE),
        {
            "ticket_id": ticket_id,
            "channel_id": channel.id,
            "direction": direction.value,
            "author": clean_stored_text(author.name),
            "author_handle": author.handle,
            "author_search": f"{author.name} {author.handle} {via}".strip(),
            "recipients": ", ".join(p.label() for p in message.recipients + message.cc),
            "subject": subject,
            "body_text": clean_stored_text(message.body_text),
            "body_html_text": clean_stored_text(message.body_html_text),
            "external_id": message.external_id,
            "content_hash": message.content_hash,
            "in_reply_to": message.in_reply_to,
            "references": " ".join(capped_references(message.references, MAX_STORED_REFERENCES)),
            "sent_at": sent_at,
            "received_at": utcnow(),
            "parse_status": message.parse_status.value,
            "parse_error": message.parse_error,
            "auto_submitted": message.auto_submitted,
            "has_attachments": bool(message.attachments),
            "agent_id": None,
            # Capped: the id comes from a platform's JSON (sync/orders/card_links.py).
            "order_ref": message.order_ref[:MAX_ORDER_REF] or None,
            **label_columns(labels),
        },
    )
    message_id = inserted_id(result)
    if message.raw:
        conn.execute(
            insert(MESSAGE_RAW),
            {
                "message_id": message_id,
                "format": message.raw_format,
                "data": zlib.compress(message.raw),
            },
        )
    if message.attachments:
        conn.execute(
            insert(ATTACHMENT),
            [
                {
                    "message_id": message_id,
                    "filename": part.filename,
                    "content_type": part.content_type,
                    "size": len(part.content),
                    "sha256": put_blob(blob_root, part.content),
                    "inline": part.inline,
                    "content_id": part.content_id,
                }
                for part in message.attachments
            ],
        )
    return message_id


def _own_labels(
    labels: MessageLabels | None, direction: Direction, message: InboundMessage
) -> MessageLabels | None:
    """What of ``labels`` a message keeps: intents and sentiments are a customer's only
    (never the shop's words, an auto-reply or a platform notice); the language is anyone's."""
    if labels is None or (direction is Direction.IN and not message.auto_submitted):
        return labels
    return MessageLabels(labels.language, labels.language_confidence, model=labels.model)


def label_columns(labels: MessageLabels | None) -> dict[str, Any]:
    """The message row's label columns for ``labels`` (unlabelled when None)."""
    if labels is None:
        return {
            "language": None,
            "intent": None,
            "intent_confidence": None,
            "sentiments": "",
            "label_scores": {},
            "labelled_by": None,
        }
    scores: dict[str, Any] = {"language": round(labels.language_confidence, 4)}
    if labels.sentiment_scores:
        scores["sentiments"] = {k: round(v, 4) for k, v in labels.sentiment_scores.items()}
    if labels.intent_confident:
        scores["intent_confident"] = True
    return {
        "language": labels.language,
        "intent": labels.intent,
        # Only a customer message was asked for an intent (it alone has sentiment scores).
        "intent_confidence": (
            round(labels.intent_confidence, 4) if labels.sentiment_scores else None
        ),
        "sentiments": " ".join(labels.sentiments),
        "label_scores": scores,
        "labelled_by": labels.model or "unknown",
    }


# A customer message's labels become the ticket's when no later customer message exists;
# an intent an agent set stays (issue 12: "unless an agent set it").
_TICKET_LABELS = {
    "language": bindparam("v_language"),
    "sentiments": bindparam("v_sentiments"),
    "intent": case((_t.intent_source == "agent", _t.intent), else_=bindparam("v_intent")),
    "intent_confidence": case(
        (_t.intent_source == "agent", _t.intent_confidence), else_=bindparam("v_confidence")
    ),
    "intent_source": case((_t.intent_source == "agent", "agent"), else_="model"),
}
LABEL_TICKET = (
    update(TICKET)
    .where(
        _t.id == bindparam("ticket_pk"),
        or_(_t.last_inbound_at.is_(None), _t.last_inbound_at <= bindparam("sent_at")),
    )
    .values(_TICKET_LABELS)
)


def label_ticket(
    conn: Connection, ticket_id: int, labels: MessageLabels, sent_at: datetime
) -> None:
    """Give the ticket a customer message's labels if it is its newest customer message."""
    conn.execute(
        LABEL_TICKET,
        {
            "ticket_pk": ticket_id,
            "sent_at": sent_at,
            "v_language": labels.language,
            "v_sentiments": " ".join(labels.sentiments),
            "v_intent": labels.intent,
            "v_confidence": round(labels.intent_confidence, 4) if labels.intent else None,
        },
    )


NEWEST_CUSTOMER_LABELS = (
    select(_m.language, _m.intent, _m.intent_confidence, _m.sentiments)
    .where(
        _m.ticket_id == bindparam("ticket_id"),
        _m.direction == Direction.IN.value,
        _m.auto_submitted.is_(False),
        _m.labelled_by.is_not(None),
    )
    .order_by(_m.sent_at.desc(), _m.id.desc())
    .limit(1)
)
RELABEL_TICKET = update(TICKET).where(_t.id == bindparam("ticket_pk")).values(_TICKET_LABELS)


def relabel_tickets(conn: Connection, ticket_ids: list[int]) -> None:
    """Give each ticket the labels of its newest labelled customer message (backfill)."""
    for ticket_id in ticket_ids:
        row = conn.execute(NEWEST_CUSTOMER_LABELS, {"ticket_id": ticket_id}).first()
        if row is None:
            continue
        language, intent, confidence, sentiments = row
        conn.execute(
            RELABEL_TICKET,
            {
                "ticket_pk": ticket_id,
                "v_language": language,
                "v_sentiments": sentiments or "",
                "v_intent": intent,
                "v_confidence": confidence if intent else None,
            },
        )


def _add_thread_refs(
    conn: Connection, channel_id: int, ticket_id: int, message: InboundMessage
) -> None:
    wanted: list[tuple[str, bool]] = []
    if message.external_id:
        wanted.append((message.external_id, True))
    referenced = [message.in_reply_to, *capped_references(message.references)]
    wanted += [(ref, False) for ref in dict.fromkeys(referenced)]
    wanted = [(msgid, is_self) for msgid, is_self in wanted if msgid]
    if not wanted:
        return
    ids = [msgid for msgid, _ in wanted]
    existing = set(conn.execute(EXISTING_REFS, {"ticket_id": ticket_id, "ids": ids}).all())
    rows = [
        {"channel_id": channel_id, "msgid": msgid, "ticket_id": ticket_id, "is_self": is_self}
        for msgid, is_self in dict.fromkeys(wanted)
        if (msgid, is_self) not in existing
    ]
    if rows:
        conn.execute(insert(THREADREF), rows)


def _event(conn: Connection, ticket_id: int, actor: str, kind: str, **data: Any) -> None:
    conn.execute(
        insert(EVENT).values(
            ticket_id=ticket_id, actor=actor, kind=kind, data=data, created_at=utcnow()
        )
    )
