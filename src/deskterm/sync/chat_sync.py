"""One poll of a marketplace chat channel: changed conversations, their new messages, cursors."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from deskterm.channels.chat.types import ChatAdapter, ChatConversation, ChatMessage
from deskterm.domain.errors import ChannelError
from deskterm.ingest.context import ChannelContext
from deskterm.store.engine import Store
from deskterm.sync.batch import ingest_batch
from deskterm.sync.chat_map import chat_to_inbound
from deskterm.sync.cursors import load_cursor, save_cursor
from deskterm.sync.faults import crash_point
from deskterm.sync.summary import ChannelSummary

log = logging.getLogger(__name__)

LISTING_SCOPE = "conversations"  # {"since": ISO of the newest conversation activity seen}


def conversation_scope(conversation_id: str) -> str:
    """The cursor row of one conversation: {"after": ISO of its newest stored message}."""
    return f"conv:{conversation_id}"


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
        since = _when(load_cursor(session, channel.id, LISTING_SCOPE).get("since"))
    conversations = adapter.conversations_since(since)
    crash_point("chat.listed")
    for conversation in sorted(conversations, key=lambda c: c.last_activity):
        if not _sync_conversation(store, channel, adapter, conversation, summary):
            return  # stored up to a failure: the listing cursor stays where it was
        if mark_read:
            try:
                adapter.mark_read(conversation.id)
            except ChannelError as exc:
                summary.problems.append(f"could not mark {conversation.id} read: {exc}")
    if conversations:
        newest = max(c.last_activity for c in conversations)
        if since is None or newest > since:
            with store.write() as session:
                save_cursor(session, channel.id, LISTING_SCOPE, {"since": newest.isoformat()})
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
        after = _when(load_cursor(session, channel.id, scope).get("after"))
    messages: list[ChatMessage] = sorted(
        adapter.messages(conversation, after), key=lambda m: (m.sent_at, m.id)
    )
    if not messages:
        return True
    inbound = [chat_to_inbound(conversation, message) for message in messages]

    def checkpoint(session: Session, stored: int) -> None:
        newest = messages[stored - 1].sent_at
        save_cursor(session, channel.id, scope, {"after": newest.isoformat()})

    stored = ingest_batch(
        store,
        channel,
        inbound,
        summary,
        actor=f"sync:{channel.name}",
        checkpoint=checkpoint,
        stop_on_failure=True,
    )
    crash_point("chat.conversation_stored")
    if stored < len(messages):
        summary.problems.append(
            f"conversation {conversation.id}: {len(messages) - stored} message(s) could not be"
            " stored; the next poll tries again"
        )
        return False
    return True
