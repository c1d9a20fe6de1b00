"""SQLModel tables: the single source of truth for tickets, messages and everything around them.

All datetimes are timezone-aware UTC in Python (SQLModel's UTCDateTime). Columns stay
dialect-clean (SQLite and PostgreSQL);
SQLite-only objects (FTS5 tables and their triggers) live in the migrations.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import JSON, Column, CursorResult, Index, LargeBinary, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Aware UTC now, the store's time convention."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as aware UTC; naive values (as SQLite hands them back) are UTC already."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Agent(SQLModel, table=True):
    """A person who answers tickets (the local user, teammates on a shared store)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = ""
    email: str = Field(index=True, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class Channel(SQLModel, table=True):
    """A configured channel, keyed by its configured name (config creates the row)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    type: str
    address: str = ""  # email address, or the shop id on a marketplace
    store: str | None = None  # the commerce store ([[stores]] name) it sells through
    created_at: datetime = Field(default_factory=utcnow)


class Customer(SQLModel, table=True):
    """One person, known by one or more identities across channels."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = ""
    note: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class CustomerIdentity(SQLModel, table=True):
    """A handle of a customer: email address, phone, or marketplace buyer id."""

    __table_args__ = (UniqueConstraint("kind", "scope", "value", name="uq_identity"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    kind: str  # domain.enums.IdentityKind
    scope: str = ""  # "" for email/phone; the channel type for buyer ids
    value: str  # normalised: lower-cased email, digits-only phone, buyer id as given
    display_name: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class Ticket(SQLModel, table=True):
    """A conversation with a customer: status, assignment and automation fields."""

    __table_args__ = (
        Index("ix_ticket_view", "spam", "status", "last_message_at"),
        # Searches that do not fix the status still walk tickets newest first.
        Index("ix_ticket_recent", "spam", "last_message_at"),
        Index("ix_ticket_assignee", "assignee_id", "status", "last_message_at"),
        Index("ix_ticket_snooze", "snoozed_until"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    subject: str = ""
    status: str = "open"  # domain.enums.TicketStatus
    snoozed_until: datetime | None = None
    spam: bool = False
    assignee_id: int | None = Field(default=None, foreign_key="agent.id")
    priority: str = "normal"  # low | normal | high | urgent
    store: str | None = None  # commerce store the ticket belongs to
    intent: str | None = None
    sentiments: str = ""  # space-separated; several may hold at once
    language: str | None = None
    intent_confidence: float | None = None
    # "agent" once someone corrected the intent: later messages no longer overwrite it.
    intent_source: str = ""  # "" (unlabelled) | "model" | "agent"
    merged_into_id: int | None = Field(default=None, foreign_key="ticket.id")
    message_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    last_message_at: datetime = Field(default_factory=utcnow, index=True)
    last_inbound_at: datetime | None = None
    closed_at: datetime | None = None  # last close; a customer message after it reopens


class Message(SQLModel, table=True):
    """One message in a ticket. Raw bytes live in ``MessageRaw``; files in the blob store."""

    __table_args__ = (
        UniqueConstraint("channel_id", "external_id", "content_hash", name="uq_message_dedupe"),
        Index("ix_message_ticket_sent", "ticket_id", "sent_at"),
        # Covering index: full-text hits map to tickets without reading wide message rows.
        Index("ix_message_id_ticket", "id", "ticket_id"),
        # Linked orders not yet cached, per channel (sync/orders/card_links.py).
        Index("ix_message_order_ref", "channel_id", "order_ref"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    channel_id: int = Field(foreign_key="channel.id")
    direction: str  # domain.enums.Direction
    author: str = ""  # display name
    author_handle: str = ""  # email address / buyer id / agent email
    author_search: str = ""  # name + handle, for full-text search
    recipients: str = ""  # "Name <addr>, ..." of To and Cc
    subject: str = ""
    body_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    body_html_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    external_id: str = Field(default="", index=True)  # Message-ID / platform message id
    content_hash: str = ""
    in_reply_to: str = ""
    references: str = ""  # space-separated message ids
    sent_at: datetime = Field(default_factory=utcnow, index=True)
    received_at: datetime = Field(default_factory=utcnow)
    parse_status: str = "ok"  # domain.enums.ParseStatus
    parse_error: str = ""
    auto_submitted: bool = False
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    has_attachments: bool = False
    # Labels from automation.classify (customer messages only; language on every message).
    language: str | None = None
    intent: str | None = None
    intent_confidence: float | None = None
    sentiments: str = ""  # space-separated
    # {"language": p, "sentiments": {name: p}} — the confidence behind each label.
    label_scores: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    # The model version that labelled it; None: not yet labelled (backfill resumes from these).
    labelled_by: str | None = None
    # A chat order card (or a return card naming an order): the platform's order id; the
    # order is shop_order (store = this message's channel name, external_id = order_ref).
    order_ref: str | None = None


class MessageRaw(SQLModel, table=True):
    """The original bytes (RFC 822) or JSON of a message, zlib-compressed, kept forever."""

    message_id: int = Field(foreign_key="message.id", primary_key=True)
    format: str = "rfc822"  # rfc822 | json
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Attachment(SQLModel, table=True):
    """Attachment metadata; content is stored on disk under its sha256 (content-addressed)."""

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    filename: str
    content_type: str = "application/octet-stream"
    size: int = 0
    sha256: str
    inline: bool = False
    content_id: str = ""


class ThreadRef(SQLModel, table=True):
    """Message-ids seen in a ticket (its own and the ones it references), for threading."""

    __table_args__ = (Index("ix_threadref_lookup", "channel_id", "msgid"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channel.id")
    msgid: str
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    is_self: bool = False  # True: a message with this id is in the ticket


class Tag(SQLModel, table=True):
    """A label; tickets carry many."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    color: str | None = None


class TicketTag(SQLModel, table=True):
    """Which tags a ticket carries."""

    __table_args__ = (Index("ix_tickettag_tag", "tag_id", "ticket_id"),)

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    tag_id: int = Field(foreign_key="tag.id", primary_key=True)


class SavedView(SQLModel, table=True):
    """A named query with a sort order, shared or private to one agent."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    query: str
    sort: str = "last_message_at desc"
    agent_id: int | None = Field(default=None, foreign_key="agent.id")  # None: shared
    position: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class Macro(SQLModel, table=True):
    """A named reply template with optional actions (tags, status, snooze, assign)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    shortcut: str | None = Field(default=None, unique=True)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    actions: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    intents: str = ""  # space-separated intents it answers (suggested first for those tickets)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Rule(SQLModel, table=True):
    """An automation rule (issue 14): run in ``position`` order on the events it names.

    ``definition`` is the checked rule as JSON (when, if, then, stop, description;
    automation.rules.model.Rule.definition); ``version`` grows with every change to the
    row, so a running engine notices an edit made by another terminal or the CLI.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    position: int = Field(default=0, index=True)
    enabled: bool = False
    definition: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 1
    # The last event logged before the rule was turned on: it runs on later events only,
    # never on a backlog the engine has not reached yet (issue 14 item 3).
    armed_after: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class RuleCursor(SQLModel, table=True):
    """How far the rules engine has read the event log (one row, ``name = "rules"``)."""

    name: str = Field(primary_key=True)
    event_id: int = 0
    updated_at: datetime = Field(default_factory=utcnow)


class RuleRun(SQLModel, table=True):
    """A rule that matched one event and acted: written in the same transaction as the
    rule's effects, so no (rule, event) ever acts twice (issue 14 item 3)."""

    __table_args__ = (
        UniqueConstraint("rule_id", "event_id", name="uq_rulerun"),
        Index("ix_rulerun_ticket", "ticket_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rule_id: int  # no foreign key: deleting a rule keeps the history of what it did
    event_id: int
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    rule_name: str
    rule_version: int
    trigger: str  # the rule event (message.created, ...)
    stopped: bool = False  # stop = true: later rules did not run for this event
    # What it did and why: {"actions": [...], "skipped": [...], "leaves": [...], "command": {...}}
    outcome: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class AgentSession(SQLModel, table=True):
    """One agent's time in the inbox: from opening it to closing it (or, after a crash, to
    its last heartbeat); stats sum these as time online."""

    __table_args__ = (Index("ix_agentsession_agent_started", "agent_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id")
    started_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)  # the heartbeat, every 5 minutes
    ended_at: datetime | None = None  # None: still open, or the process died
    screen: str = ""  # where it ran: "terminal", "ssh", "browser" (deskterm serve)


class CsatSurvey(SQLModel, table=True):
    """A ticket's satisfaction survey (at most one per ticket): scheduled when an agent
    closes it, sent through the outbox when due, answered by the customer's reply."""

    __table_args__ = (
        UniqueConstraint("ticket_id", name="uq_csatsurvey_ticket"),
        Index("ix_csatsurvey_state_due", "state", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    state: str = "scheduled"  # scheduled | sent | answered | cancelled
    due_at: datetime = Field(default_factory=utcnow)  # when it goes out
    language: str = ""  # the language it was (or will be) written in
    message_id: int | None = Field(default=None, foreign_key="message.id")  # the survey
    sent_at: datetime | None = None  # queued in the outbox
    answer_until: datetime | None = None  # a reply until then may be the rating
    score: int | None = None  # 1-5
    comment: str = ""
    answered_at: datetime | None = None
    answer_message_id: int | None = Field(default=None, foreign_key="message.id")
    created_at: datetime = Field(default_factory=utcnow)


class Order(SQLModel, table=True):
    """An order cached from a commerce source, with the time it was fetched."""

    __tablename__ = "shop_order"  # "order" is an SQL keyword
    __table_args__ = (
        UniqueConstraint("store", "external_id", name="uq_order_store"),
        Index("ix_shop_order_buyer", "store", "buyer_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # The Shopify store's name, or the marketplace channel's: where REFs ("shopee-id:…") point.
    store: str
    external_id: str  # Shopify: the order's GID; marketplaces: the platform's order id
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    email: str = Field(default="", index=True)
    name: str = ""  # e.g. "#1001"
    placed_at: datetime | None = None
    financial_status: str = ""
    fulfillment_status: str = ""
    total: str = ""  # decimal as text: exact, dialect-clean
    currency: str = ""
    status_url: str = ""
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    fetched_at: datetime = Field(default_factory=utcnow)
    platform: str = "shopify"  # domain.orders.PLATFORMS
    status: str = ""  # normalised (domain.orders.STATUSES); "" until first mapped
    platform_status: str = ""  # the platform's own word
    buyer_id: str = ""  # the marketplace buyer id (a BUYER identity's value)
    source_updated_at: datetime | None = None  # the platform's last change: refresh skips same


class OrderAction(SQLModel, table=True):
    """An order action (cancel, refund, ...) written before it is sent, like the outbox:
    exactly once, and an ambiguous failure is settled by reading the order back."""

    __table_args__ = (Index("ix_orderaction_state", "state", "updated_at"),)

    id: int | None = Field(default=None, primary_key=True)
    store: str
    order_id: str  # the platform's order id
    order_name: str = ""
    kind: str  # domain.orders.ACTIONS
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    idempotency_key: str = Field(unique=True)  # minted once per row, sent with every attempt
    state: str = "pending"  # pending | sending | done | refused | unknown
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str = ""
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    done_at: datetime | None = None


class SyncCursor(SQLModel, table=True):
    """Where a channel's sync stopped, per scope (IMAP folder, conversation, ...)."""

    __table_args__ = (UniqueConstraint("channel_id", "scope", name="uq_cursor_scope"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channel.id")
    scope: str = ""
    value: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class Outbox(SQLModel, table=True):
    """A reply waiting to be delivered exactly once (reliability.md item 12)."""

    __table_args__ = (Index("ix_outbox_state", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    channel_id: int = Field(foreign_key="channel.id")
    reply_to_message_id: int | None = Field(default=None, foreign_key="message.id")
    message_id: int | None = Field(default=None, foreign_key="message.id")  # our stored copy
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    to: str = ""
    subject: str = ""
    body_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    external_id: str = ""  # Message-ID minted once per row / platform message id once sent
    state: str = "queued"  # domain.enums.OutboxState
    attempts: int = 0
    last_error: str = ""
    next_attempt_at: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class Event(SQLModel, table=True):
    """Append-only log: who did what to which ticket, when (metrics and activity)."""

    __table_args__ = (Index("ix_event_ticket", "ticket_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    actor: str = ""  # "agent:<email>", "rule:<name>", "sync:<channel>", "import"
    kind: str  # e.g. ticket.created, message.received, tag.added, status.closed, merged
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)


class ReadMark(SQLModel, table=True):
    """Per-agent read state: unread when an inbound message arrived (received_at) after it."""

    agent_id: int = Field(foreign_key="agent.id", primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    read_at: datetime = Field(default_factory=utcnow)


class Draft(SQLModel, table=True):
    """An unsent reply or note, per agent and ticket, kept across quits until sent or discarded."""

    __table_args__ = (
        UniqueConstraint("ticket_id", "agent_id", "kind", name="uq_draft"),
        # "Which tickets have a draft of mine" reads by agent; the unique key leads by ticket.
        Index("ix_draft_agent", "agent_id", "ticket_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    agent_id: int = Field(foreign_key="agent.id")
    kind: str  # "reply" | "note" (services.drafts.DRAFT_KINDS)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    updated_at: datetime = Field(default_factory=utcnow)


class IntentCorrection(SQLModel, table=True):
    """An agent's correction of a ticket's intent: an extra training example for this shop."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    language: str | None = None
    intent: str
    previous_intent: str | None = None
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    created_at: datetime = Field(default_factory=utcnow)


def table_of(model: type[SQLModel]) -> Table:
    """The Core ``Table`` behind a model, for hot paths that skip the ORM."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key a Core INSERT produced."""
    key = result.inserted_primary_key
    assert key is not None and key[0] is not None
    return int(key[0])
