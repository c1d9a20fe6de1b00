"""One poll of a marketplace chat channel: changed conversations, their new messages, cursors."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from deskterm.channels.chat.types import ChatAdapter, ChatConversation, ChatMessage
from deskterm.domain.enums import OutboxState
from deskterm.domain.errors import ChannelError
from deskterm.ingest.context import ChannelContext
from deskterm.store.engine import Store
from deskterm.store.tables import Message, Outbox
from deskterm.sync.batch import ingest_batch
from deskterm.sync.chat.mapping import chat_to_inbound
from deskterm.sync.chat.outbox import conversation_of
from deskterm.sync.cursors import load_cursor, save_cursor
from deskterm.sync.failures import CursorLedger, failing_entry
from deskterm.sync.faults import crash_point
from deskterm.sync.summary import ChannelSummary

log = logging.getLogger(__name__)

LISTING_SCOPE = "conversations"  # {"since": ISO of the newest conversation activity seen}


def conversation_scope(conversation_id: str) -> str:
    """The cursor row of one conversation: {"after": ISO of its newest stored message}."""
    return f"conv:{conversation_id}"


def unsettled_conversations(store: Store, channel_id: int) -> set[str]:
    """Conversations holding a reply whose delivery is not settled (sending or unknown)."""
    with store.read() as session:
        rows = session.exec(
            select(Message.references)
            .join(Outbox, col(Outbox.message_id) == col(Message.id))
            .where(
                Outbox.channel_id == channel_id,
                col(Outbox.state).in_([OutboxState.SENDING.value, OutboxState.UNKNOWN.value]),
            )
        ).all()
    return {conversation_of(references) for references in rows} - {""}


# Platform times are whole seconds (TikTok) or milliseconds: asking from one second
# before the cursor also returns what shares the cursor's own second, which a strict
# "after" would skip for good. The repeats are duplicates to ingest, and the listing's
# repeats are filtered by their newest message id, so an idle poll stays one request.
OVERLAP = timedelta(seconds=1)


def _overlap(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment - OVERLAP


def _when(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def sync_chat_channel(
    store: Store,
    channel: ChannelContext,
    adapter: ChatAdapter,
    summary: ChannelSummary,
    *,
    mark_read: bool = False,
) -> None:
    """Fetch what changed since the last poll; an idle poll is one listing request.

    Each conversation's messages are stored with its cursor in the same transaction; the
    listing cursor moves only after every listed conversation is stored, so a failure at
    any point (network, crash) is picked up again by the next poll — never skipped.
    """
    with store.read() as session:
        listing = load_cursor(session, channel.id, LISTING_SCOPE)
    since = _when(listing.get("since"))
    # Conversations whose newest message was stored at the cursor's own instant: listed
    # again (the adapters are inclusive of it, since platform times are coarse) but only
    # fetched when their newest message changed — an idle poll stays one request.
    boundary: dict[str, str] = dict(listing.get("boundary") or {})
    conversations = [
        c
        for c in adapter.conversations_since(_overlap(since))
        if not (
            since is not None
            and since - OVERLAP < c.last_activity <= since
            and c.latest_message_id
            and boundary.get(c.id) == c.latest_message_id
        )
    ]
    crash_point("chat.listed")
    unsettled = unsettled_conversations(store, channel.id)
    complete = True
    for conversation in sorted(conversations, key=lambda c: c.last_activity):
        if conversation.id in unsettled:
            # A reply there may or may not have arrived: ingesting the platform's copy now
            # would hide it from the lookup and the reply would go out twice. Next poll.
            complete = False
            continue
        if not _sync_conversation(store, channel, adapter, conversation, summary):
            return  # stored up to a failure: the listing cursor stays where it was
        if mark_read:
            try:
                adapter.mark_read(conversation.id)
            except ChannelError as exc:
                summary.problems.append(f"could not mark {conversation.id} read: {exc}")
    if conversations and complete:
        newest = max(c.last_activity for c in conversations)
        # Everything inside the overlap window is listed again next time: remember it all.
        at_newest = {
            c.id: c.latest_message_id for c in conversations if c.last_activity > newest - OVERLAP
        }
        if since is not None and newest - since < OVERLAP:
            at_newest = {**boundary, **at_newest}
        if since is None or newest >= since:
            value = {"since": newest.isoformat(), "boundary": at_newest}
            with store.write() as session:
                save_cursor(session, channel.id, LISTING_SCOPE, value)
        crash_point("chat.listing_saved")


def _sync_conversation(
    store: Store,
    channel: ChannelContext,
    adapter: ChatAdapter,
    conversation: ChatConversation,
    summary: ChannelSummary,
) -> bool:
    """Store the conversation's new messages; False when one could not be stored."""
    scope = conversation_scope(conversation.id)
    with store.read() as session:
        cursor = load_cursor(session, channel.id, scope)
    after = _when(cursor.get("after"))
    messages: list[ChatMessage] = sorted(
        adapter.messages(conversation, _overlap(after)), key=lambda m: (m.sent_at, m.id)
    )
    if not messages:
        return True
    inbound = [chat_to_inbound(conversation, message) for message in messages]

    def checkpoint(session: Session, stored: int) -> None:
        newest = messages[stored - 1].sent_at
        save_cursor(session, channel.id, scope, {"after": newest.isoformat()})

    # A message that failed on an earlier poll is stored raw when it fails again (its count
    # is kept in the conversation's cursor row), so it cannot hold the conversation forever.
    ledger = CursorLedger(
        store,
        channel.id,
        scope,
        [message.external_id for message in inbound],
        start=dict,
        failing=failing_entry(cursor),
    )
    stored = ingest_batch(
        store,
        channel,
        inbound,
        summary,
        actor=f"sync:{channel.name}",
        checkpoint=checkpoint,
        stop_on_failure=True,
        ledger=ledger,
    )
    crash_point("chat.conversation_stored")
    if stored < len(messages):
        summary.problems.append(
            f"conversation {conversation.id}: {len(messages) - stored} message(s) could not be"
            " stored; the next poll tries again (and stores it raw if it fails again)"
        )
        return False
    return True
