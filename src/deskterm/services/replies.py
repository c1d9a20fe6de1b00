"""Replies: queue an outbound message in the outbox (delivery is the sync layer's job)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from deskterm.automation.signatures import render_signature
from deskterm.domain.enums import Direction, OutboxState
from deskterm.domain.errors import UsageError
from deskterm.domain.files_to_send import FileToSend
from deskterm.domain.ids import mint_message_id
from deskterm.domain.signatures import Signatures, signed
from deskterm.domain.subjects import reply_subject
from deskterm.domain.text import clean_stored_text
from deskterm.services.actor import Actor
from deskterm.services.tickets import load_ticket, log_event
from deskterm.store.blobs import put_blob
from deskterm.store.engine import Store
from deskterm.store.tables import (
    Agent,
    Attachment,
    Channel,
    Customer,
    CustomerIdentity,
    Message,
    Outbox,
    Ticket,
    utcnow,
)

OUTBOX_HASH_PREFIX = "outbox:"  # content_hash of our own queued replies (see ingest dedupe)


@dataclass(frozen=True)
class QueuedReply:
    """The outbox row and the conversation message created for one reply."""

    outbox_id: int
    message_id: int
    external_id: str
    to: str  # where it goes: an email address, a marketplace buyer id
    to_name: str = ""  # who that is, for people: a chat buyer's name ("" for email)

    @property
    def recipient(self) -> str:
        """Whom the reply is for, as a toast or a CLI line names them."""
        return self.to_name or self.to


def _last_inbound(session: Session, ticket_id: int) -> Message | None:
    return session.exec(
        select(Message)
        .where(Message.ticket_id == ticket_id, Message.direction == Direction.IN.value)
        .order_by(col(Message.sent_at).desc(), col(Message.id).desc())
    ).first()


def _recipient(session: Session, ticket: Ticket, last_in: Message | None) -> str:
    """The customer's address on this ticket: the one they last wrote from, if it is theirs."""
    emails = list(
        session.exec(
            select(CustomerIdentity.value).where(
                CustomerIdentity.customer_id == ticket.customer_id,
                CustomerIdentity.kind == "email",
            )
        ).all()
    )
    if last_in is not None and last_in.author_handle.lower() in emails:
        return last_in.author_handle.lower()
    if not emails:
        raise UsageError(f"ticket {ticket.id} has no customer email address to reply to")
    return emails[0]


def _buyer(session: Session, ticket: Ticket, channel_type: str) -> str:
    """The customer's buyer id on this marketplace."""
    buyer = session.exec(
        select(CustomerIdentity.value).where(
            CustomerIdentity.customer_id == ticket.customer_id,
            CustomerIdentity.kind == "buyer",
            CustomerIdentity.scope == channel_type,
        )
    ).first()
    if buyer is None:
        raise UsageError(f"ticket {ticket.id} has no {channel_type} buyer to reply to")
    return buyer


def _buyer_name(session: Session, ticket: Ticket, scope: str, buyer: str) -> str:
    """The chat buyer's name: their account's display name, else the customer's name."""
    shown = session.exec(
        select(CustomerIdentity.display_name).where(
            CustomerIdentity.kind == "buyer",
            CustomerIdentity.scope == scope,
            CustomerIdentity.value == buyer,
        )
    ).first()
    if shown and shown.strip():
        return shown.strip()
    customer = session.get(Customer, ticket.customer_id) if ticket.customer_id else None
    return customer.name.strip() if customer is not None else ""


def _conversation_refs(session: Session, ticket_id: int) -> list[str]:
    """The ``conv:ID`` reference of the chat this ticket holds (newest message first)."""
    rows = session.exec(
        select(Message.references)
        .where(Message.ticket_id == ticket_id, Message.direction != Direction.NOTE.value)
        .order_by(col(Message.sent_at).desc())
    ).all()
    for references in rows:
        refs = [ref for ref in references.split() if ref.startswith("conv:")]
        if refs:
            return refs[:1]
    raise UsageError(f"ticket {ticket_id} has no chat conversation to reply in")


def queue_reply(
    store: Store,
    ticket_id: int,
    body: str,
    actor: Actor,
    *,
    signatures: Signatures | None = None,
    files: Sequence[FileToSend] = (),
) -> QueuedReply:
    """Queue a reply to the customer; it shows in the conversation at once as queued.

    ``files`` go with it (email only): kept in the attachment store, shown on the reply
    in the conversation, and sent as MIME parts.
    """
    stored = [(file, put_blob(store.attachments_dir(), file.data)) for file in files]
    with store.write() as session:
        queued = reply_queued(session, ticket_id, body, actor, signatures=signatures)
        if stored:
            _attach(session, queued, stored)
        return queued


def _attach(
    session: Session, queued: QueuedReply, stored: Sequence[tuple[FileToSend, str]]
) -> None:
    message = session.get(Message, queued.message_id)
    assert message is not None
    channel = session.get(Channel, message.channel_id)
    if channel is None or channel.type != "email":
        kind = channel.type if channel is not None else "this"
        raise UsageError(
            f"files cannot be sent on {kind} channels yet: send it from the platform's"
            " seller center (the reply was not queued)"
        )
    for file, digest in stored:
        session.add(
            Attachment(
                message_id=message.id,  # type: ignore[arg-type]
                filename=file.filename,
                content_type=file.content_type,
                size=len(file.data),
                sha256=digest,
            )
        )
    message.has_attachments = True
    session.add(message)


def _with_signature(
    session: Session,
    ticket_id: int,
    text: str,
    signatures: Signatures,
    *,
    channel: Channel,
    agent: Agent | None,
    auto: bool,
) -> str:
    template = signatures.template(channel.name, agent=not auto)
    if not template:
        return text
    from deskterm.automation.macros import ticket_variables
    from deskterm.store.reader import get_ticket
    from deskterm.store.session_read import SessionReadDb

    shown = get_ticket(SessionReadDb(session), ticket_id)
    variables = ticket_variables(
        shown, agent_name=agent.name if agent else "", agent_email=agent.email if agent else ""
    )
    signature = clean_stored_text(render_signature(template, variables))
    return signed(text, signature, channel.type)


def reply_queued(
    session: Session,
    ticket_id: int,
    body: str,
    actor: Actor,
    *,
    auto: bool = False,
    signatures: Signatures | None = None,
) -> QueuedReply:
    """Queue a reply in the caller's transaction (the rules engine's, with its run record).

    ``auto``: a rule's reply: its author is the rule (``actor.label``, "rule:NAME") and it
    is marked auto-submitted (email: ``Auto-Submitted: auto-replied``, RFC 3834), which
    also keeps it out of first-response times. ``signatures``: the config's; the agent's
    (not for a rule's reply) and the channel's go under the text.
    """
    text = clean_stored_text(body).strip("\n")
    if not text.strip():
        raise UsageError("a reply needs some text")
    ticket = load_ticket(session, ticket_id)
    if ticket.merged_into_id is not None:
        raise UsageError(f"ticket {ticket_id} was merged into {ticket.merged_into_id}")
    channel = session.get(Channel, ticket.channel_id)
    assert channel is not None
    last_in = _last_inbound(session, ticket_id)
    agent = session.get(Agent, actor.agent_id) if actor.agent_id else None
    if signatures is not None:
        text = _with_signature(
            session, ticket_id, text, signatures, channel=channel, agent=agent, auto=auto
        )
    now = utcnow()
    to_name = ""
    if channel.type == "email":
        to = _recipient(session, ticket, last_in)
        external_id = mint_message_id(channel.address or "deskterm.invalid")
        subject = reply_subject(last_in.subject if last_in and last_in.subject else ticket.subject)
        references = [*last_in.references.split(), last_in.external_id] if last_in else []
    else:
        # A chat reply goes into the buyer's conversation; the platform names its id
        # once sent, so none is minted here (sync/chat_outbox.py records it).
        # The buyer of THIS conversation: a customer linked from two accounts of one
        # marketplace must not get a reply meant for the other chat.
        to = last_in.author_handle if last_in and last_in.author_handle else ""
        to = to or _buyer(session, ticket, channel.type)
        to_name = _buyer_name(session, ticket, channel.type, to)
        external_id, subject = "", ticket.subject
        references = _conversation_refs(session, ticket_id)
    message = Message(
        ticket_id=ticket_id,
        channel_id=channel.id,  # type: ignore[arg-type]
        direction=Direction.OUT.value,
        author=agent.name if agent and not auto else actor.label,
        author_handle=channel.address or channel.name,
        author_search=f"{agent.name if agent else ''} {channel.address}".strip(),
        recipients=to,
        subject=subject,
        body_text=text,
        external_id=external_id,
        in_reply_to=last_in.external_id if last_in else "",
        references=" ".join(ref for ref in references if ref),
        sent_at=now,
        received_at=now,
        agent_id=actor.agent_id,
        auto_submitted=auto,
    )
    session.add(message)
    session.flush()
    assert message.id is not None
    outbox = Outbox(
        ticket_id=ticket_id,
        channel_id=channel.id,  # type: ignore[arg-type]
        reply_to_message_id=last_in.id if last_in else None,
        message_id=message.id,
        agent_id=actor.agent_id,
        to=to,
        subject=subject,
        body_text=text,
        external_id=external_id,
        state=OutboxState.QUEUED.value,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(outbox)
    session.flush()
    assert outbox.id is not None
    # Our own copy must dedupe against the server's copy if the Sent folder is synced.
    message.content_hash = f"{OUTBOX_HASH_PREFIX}{outbox.id}"
    ticket.message_count += 1
    ticket.last_message_at = now
    ticket.updated_at = now
    session.add_all([message, ticket])
    log_event(
        session,
        ticket_id,
        actor,
        "reply.queued",
        outbox_id=outbox.id,
        to=to,
        message_id=message.id,
    )
    return QueuedReply(outbox.id, message.id, external_id, to, to_name)


def retry_failed(store: Store, outbox_id: int, actor: Actor) -> None:
    """Put a failed delivery back in the queue (the agent fixed the cause)."""
    with store.write() as session:
        row = session.get(Outbox, outbox_id)
        if row is None:
            raise UsageError(f"no outbox entry {outbox_id}")
        if row.state != OutboxState.FAILED.value:
            raise UsageError(f"outbox entry {outbox_id} is {row.state}, not failed")
        row.state, row.next_attempt_at, row.updated_at = (
            OutboxState.QUEUED.value,
            utcnow(),
            utcnow(),
        )
        session.add(row)
        log_event(session, row.ticket_id, actor, "reply.retried", outbox_id=outbox_id)
