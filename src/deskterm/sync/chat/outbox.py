"""Chat reply delivery: each queued reply reaches the buyer's conversation exactly once.

The same states as email (queued -> sending -> sent | failed | unknown), committed before
each network step. A send whose answer was lost becomes ``unknown``; before anything is
sent again the conversation's latest messages are searched for our text (channels.md:
"never blindly retried"), so a reply can never be doubled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select

from deskterm.channels.chat.types import (
    AmbiguousSendError,
    ChatAdapter,
    ChatMessage,
    NotSentError,
    RateLimitedError,
    TokenExpiredError,
)
from deskterm.domain.enums import OutboxState
from deskterm.domain.errors import ChannelError
from deskterm.store.engine import Store
from deskterm.store.events import append_event
from deskterm.store.tables import Message, Outbox, as_utc, utcnow
from deskterm.sync.chat.mapping import chat_content_hash
from deskterm.sync.faults import crash_point
from deskterm.sync.outbox_state import (
    MAX_ATTEMPTS,
    backoff,
    due_rows,
    recover_interrupted,
    set_state,
)
from deskterm.sync.summary import ChannelSummary

log = logging.getLogger(__name__)

CLOCK_SLACK = timedelta(minutes=10)  # platform clocks vs ours (Shopee allows 5 min of skew)
UNKNOWN_GRACE = timedelta(seconds=30)  # a platform may list a just-sent message late


@dataclass
class _ChatPending:
    id: int
    message_id: int | None
    conversation_id: str
    buyer_id: str
    body: str
    created_at: datetime
    attempts: int
    resend_after: datetime  # an unknown send is not repeated before this


def conversation_of(references: str) -> str:
    """The conversation id from a stored message's references (``conv:ID``)."""
    for ref in references.split():
        if ref.startswith("conv:"):
            return ref.removeprefix("conv:")
    return ""


def _load(store: Store, outbox_id: int) -> _ChatPending:
    with store.read() as session:
        row = session.get(Outbox, outbox_id)
        assert row is not None and row.id is not None
        message = session.get(Message, row.message_id) if row.message_id else None
        return _ChatPending(
            id=row.id,
            message_id=row.message_id,
            conversation_id=conversation_of(message.references if message else ""),
            buyer_id=row.to,
            body=row.body_text,
            created_at=as_utc(row.created_at),
            attempts=row.attempts,
            resend_after=as_utc(row.next_attempt_at) if row.next_attempt_at else utcnow(),
        )


def _claimed_ids(store: Store, channel_id: int, ids: list[str]) -> set[str]:
    """Platform message ids already stored on this channel (our earlier replies included)."""
    found: set[str] = set()
    with store.read() as session:
        for start in range(0, len(ids), 500):  # ids per IN (...), under every parameter limit
            found.update(
                session.exec(
                    select(Message.external_id).where(
                        Message.channel_id == channel_id,
                        Message.external_id.in_(ids[start : start + 500]),  # type: ignore[attr-defined]
                    )
                ).all()
            )
    return found


class ChatOutboxSender:
    """Delivers one chat channel's outbox through its adapter."""

    def __init__(self, store: Store, channel_id: int, adapter: ChatAdapter) -> None:
        self.store = store
        self.channel_id = channel_id
        self.adapter = adapter

    def recover(self) -> int:
        """Rows a dead process left in ``sending`` become ``unknown``; run once at start."""
        return recover_interrupted(self.store, self.channel_id)

    def settle(self, summary: ChannelSummary, *, recover: bool = True) -> None:
        """Find out what happened to unknown deliveries (and send those that never arrived).

        Runs BEFORE each poll: were the platform's copy of a reply ingested first, it would
        look like someone else's message and the reply would go out a second time.
        """
        if recover:
            self.recover()
        for outbox_id in due_rows(self.store, self.channel_id, OutboxState.UNKNOWN, utcnow()):
            self._resolve_unknown(outbox_id, summary)

    def run(
        self, summary: ChannelSummary, now: datetime | None = None, *, recover: bool = True
    ) -> None:
        """Settle unknown deliveries by looking for them, then send every due reply once."""
        now = now or utcnow()
        self.settle(summary, recover=recover)
        for outbox_id in due_rows(self.store, self.channel_id, OutboxState.QUEUED, now):
            self._deliver(outbox_id, summary)

    def _find_sent(self, pending: _ChatPending) -> ChatMessage | None:
        """Our text among the shop's latest messages, not already stored as another message."""
        recent = self.adapter.recent_messages(pending.conversation_id)
        ours = [
            m
            for m in recent
            if not m.from_buyer
            and not m.from_platform
            and m.text.strip() == pending.body.strip()
            and m.sent_at >= pending.created_at - CLOCK_SLACK
        ]
        claimed = _claimed_ids(self.store, self.channel_id, [m.id for m in ours])
        return next((m for m in ours if m.id not in claimed), None)

    def _resolve_unknown(self, outbox_id: int, summary: ChannelSummary) -> None:
        pending = _load(self.store, outbox_id)
        try:
            found = self._find_sent(pending)
        except ChannelError as exc:
            summary.problems.append(f"cannot check conversation for reply {outbox_id}: {exc}")
            return  # stays unknown: never resend blind
        if found is not None:
            self._record_sent(pending, found.id)
            summary.sent += 1
            return
        if utcnow() < pending.resend_after:
            return  # not listed yet: a platform may show a just-sent message late; look again
        if pending.attempts >= MAX_ATTEMPTS:
            set_state(
                self.store,
                outbox_id,
                OutboxState.FAILED,
                last_error="sent several times without confirmation; it may have been"
                " delivered: check the conversation before retrying",
            )
            summary.send_failed += 1
            return
        set_state(
            self.store,
            outbox_id,
            OutboxState.QUEUED,
            next_attempt_at=utcnow(),
            last_error="earlier send not found in the conversation; sending again",
        )
        self._deliver(outbox_id, summary)

    def _deliver(self, outbox_id: int, summary: ChannelSummary) -> None:
        pending = _load(self.store, outbox_id)
        if not pending.conversation_id:
            set_state(
                self.store,
                outbox_id,
                OutboxState.FAILED,
                last_error="no conversation to reply in (the ticket has no chat message)",
            )
            summary.send_failed += 1
            return
        set_state(self.store, outbox_id, OutboxState.SENDING, attempts=pending.attempts + 1)
        crash_point("chat_outbox.sending")
        try:
            platform_id = self.adapter.send_text(
                pending.conversation_id, pending.buyer_id, pending.body
            )
        except AmbiguousSendError as exc:
            set_state(
                self.store,
                outbox_id,
                OutboxState.UNKNOWN,
                last_error=str(exc),
                # Looked up at once and on every tick, but resent only after this: a
                # platform may list a message it took a moment ago only a little later.
                next_attempt_at=utcnow() + UNKNOWN_GRACE,
            )
            summary.problems.append(
                f"reply {outbox_id}: delivery unknown; the conversation is checked before any"
                " resend"
            )
            return
        except ChannelError as exc:
            if exc.transient and not isinstance(
                exc, RateLimitedError | NotSentError | TokenExpiredError
            ):
                # A server-side failure ("busy", internal error) may come after the message
                # was stored: treat it as unknown, so the conversation is looked at first.
                set_state(
                    self.store,
                    outbox_id,
                    OutboxState.UNKNOWN,
                    last_error=str(exc),
                    next_attempt_at=utcnow() + UNKNOWN_GRACE,
                )
                return
            if exc.transient and pending.attempts + 1 < MAX_ATTEMPTS:
                set_state(
                    self.store,
                    outbox_id,
                    OutboxState.QUEUED,
                    last_error=str(exc),
                    next_attempt_at=utcnow() + backoff(pending.attempts + 1),
                )
            else:
                set_state(self.store, outbox_id, OutboxState.FAILED, last_error=str(exc))
                summary.send_failed += 1
                summary.problems.append(f"reply {outbox_id} failed: {exc}")
            return
        crash_point("chat_outbox.accepted")
        self._record_sent(pending, platform_id)
        crash_point("chat_outbox.sent")
        summary.sent += 1

    def _record_sent(self, pending: _ChatPending, platform_id: str) -> None:
        """Sent; our stored copy takes the platform's id so the next poll sees a duplicate.

        One transaction: were the state and the id written apart, a crash between them
        could make our own message look like someone else's and the reply go out twice.
        """
        with self.store.write() as session:
            row = session.get(Outbox, pending.id)
            assert row is not None
            row.state, row.sent_at, row.updated_at = OutboxState.SENT.value, utcnow(), utcnow()
            row.external_id, row.last_error = platform_id, ""
            session.add(row)
            if pending.message_id is not None:
                message = session.get(Message, pending.message_id)
                if message is not None:
                    message.external_id = platform_id
                    message.content_hash = chat_content_hash(platform_id)
                    session.add(message)
            append_event(
                session, row.ticket_id, "reply.sent", actor="sync:outbox", outbox_id=row.id
            )
