"""ingest_message: one normalised message becomes customer, ticket, message and index rows."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, select

from deskterm.domain.enums import Direction, IdentityKind, TicketStatus
from deskterm.domain.messages import InboundMessage, Party
from deskterm.domain.text import clean_stored_text, one_line
from deskterm.ingest.context import ChannelContext
from deskterm.ingest.identity import resolve_customer
from deskterm.ingest.threading import find_ticket_by_grouping, find_ticket_by_refs
from deskterm.store.blobs import put_blob
from deskterm.store.search_index import reindex_ticket
from deskterm.store.tables import (
    Attachment,
    Event,
    Message,
    MessageRaw,
    ThreadRef,
    Ticket,
    utcnow,
)


@dataclass(frozen=True)
class IngestResult:
    """What ingest did with one message."""

    message_id: int
    ticket_id: int
    duplicate: bool = False
    ticket_created: bool = False
    ticket_reopened: bool = False


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return utcnow()
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _direction_and_customer(
    channel: ChannelContext, message: InboundMessage
) -> tuple[Direction, Party | None]:
    sender = message.sender
    if sender.kind is IdentityKind.EMAIL and channel.is_own(sender.handle):
        # A contact form / no-reply sender: the customer is whoever Reply-To names.
        if channel.is_noreply(sender.handle) and message.reply_to:
            return Direction.IN, message.reply_to[0]
        others = [p for p in message.recipients + message.cc if not channel.is_own(p.handle)]
        return Direction.OUT, (others[0] if others else None)
    return Direction.IN, sender if sender.handle else None


def find_duplicate(session: Session, channel_id: int, message: InboundMessage) -> Message | None:
    """The stored copy of ``message`` (same external id AND same content), if any."""
    return session.exec(
        select(Message).where(
            Message.channel_id == channel_id,
            Message.external_id == message.external_id,
            Message.content_hash == message.content_hash,
        )
    ).first()


def ingest_message(
    session: Session,
    channel: ChannelContext,
    message: InboundMessage,
    *,
    blob_root: Path,
    actor: str,
) -> IngestResult:
    """Store ``message`` inside the caller's transaction; idempotent on (external id, content)."""
    existing = find_duplicate(session, channel.id, message)
    if existing is not None:
        assert existing.id is not None
        return IngestResult(existing.id, existing.ticket_id, duplicate=True)

    direction, party = _direction_and_customer(channel, message)
    customer = resolve_customer(session, party, scope=channel.type) if party else None
    sent_at = _aware(message.sent_at)
    subject = one_line(clean_stored_text(message.subject))

    ticket_id = find_ticket_by_refs(session, channel.id, message)
    if ticket_id is None and channel.gmail_grouping and customer is not None:
        assert customer.id is not None
        ticket_id = find_ticket_by_grouping(session, channel.id, customer.id, subject, sent_at)

    created = reopened = False
    if ticket_id is None:
        ticket = Ticket(
            channel_id=channel.id,
            customer_id=customer.id if customer else None,
            subject=subject,
            store=channel.store,
            created_at=sent_at,
            updated_at=utcnow(),
            last_message_at=sent_at,
        )
        session.add(ticket)
        session.flush()
        created = True
    else:
        found = session.get(Ticket, ticket_id)
        assert found is not None
        ticket = found
    assert ticket.id is not None

    older_than_ticket = not created and sent_at < _aware(ticket.created_at)
    if older_than_ticket:
        # The conversation's real start arrived late (replies can precede their parent).
        ticket.created_at = sent_at
        ticket.subject = subject or ticket.subject
    if not created:
        reopened = _touch_ticket(ticket, direction, sent_at)
    ticket.message_count += 1
    if direction is Direction.IN:
        ticket.last_inbound_at = max(_aware(ticket.last_inbound_at or sent_at), sent_at)
    session.add(ticket)

    row = Message(
        ticket_id=ticket.id,
        channel_id=channel.id,
        direction=direction.value,
        author=clean_stored_text(message.sender.name),
        author_handle=message.sender.handle,
        author_search=f"{message.sender.name} {message.sender.handle}".strip(),
        recipients=", ".join(p.label() for p in message.recipients + message.cc),
        subject=subject,
        body_text=clean_stored_text(message.body_text),
        body_html_text=clean_stored_text(message.body_html_text),
        external_id=message.external_id,
        content_hash=message.content_hash,
        in_reply_to=message.in_reply_to,
        references=" ".join(message.references),
        sent_at=sent_at,
        received_at=utcnow(),
        parse_status=message.parse_status.value,
        parse_error=message.parse_error,
        auto_submitted=message.auto_submitted,
        has_attachments=bool(message.attachments),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    if message.raw:
        session.add(MessageRaw(message_id=row.id, format="rfc822", data=zlib.compress(message.raw)))
    for part in message.attachments:
        digest = put_blob(blob_root, part.content)
        session.add(
            Attachment(
                message_id=row.id,
                filename=part.filename,
                content_type=part.content_type,
                size=len(part.content),
                sha256=digest,
                inline=part.inline,
                content_id=part.content_id,
            )
        )
    _add_thread_refs(session, channel.id, ticket.id, message)
    if created:
        session.add(Event(ticket_id=ticket.id, actor=actor, kind="ticket.created"))
    if created or older_than_ticket:
        session.flush()
        reindex_ticket(session, ticket.id)
    elif reopened:
        session.add(Event(ticket_id=ticket.id, actor=actor, kind="ticket.reopened"))
    return IngestResult(row.id, ticket.id, ticket_created=created, ticket_reopened=reopened)


def _touch_ticket(ticket: Ticket, direction: Direction, sent_at: datetime) -> bool:
    """Move the ticket's clock forward; reopen it when the customer wrote after the close."""
    if sent_at > _aware(ticket.last_message_at):
        ticket.last_message_at = sent_at
    ticket.updated_at = utcnow()
    closed_before = ticket.closed_at is None or sent_at > _aware(ticket.closed_at)
    if (
        direction is Direction.IN
        and ticket.status == TicketStatus.CLOSED.value
        and not ticket.spam
        and closed_before
    ):
        ticket.status = TicketStatus.OPEN.value
        ticket.snoozed_until = None
        return True
    return False


def _add_thread_refs(
    session: Session, channel_id: int, ticket_id: int, message: InboundMessage
) -> None:
    existing = set(
        session.exec(
            select(ThreadRef.msgid, ThreadRef.is_self).where(ThreadRef.ticket_id == ticket_id)
        ).all()
    )
    wanted: list[tuple[str, bool]] = []
    if message.external_id:
        wanted.append((message.external_id, True))
    wanted += [(ref, False) for ref in {message.in_reply_to, *message.references} if ref]
    for msgid, is_self in wanted:
        if (msgid, is_self) not in existing:
            existing.add((msgid, is_self))
            session.add(
                ThreadRef(channel_id=channel_id, msgid=msgid, ticket_id=ticket_id, is_self=is_self)
            )
