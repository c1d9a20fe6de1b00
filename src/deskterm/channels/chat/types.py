"""What every chat adapter returns and accepts: conversations, messages, tokens, errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from deskterm.domain.errors import ChannelError


@dataclass(frozen=True, slots=True)
class ChatConversation:
    """One buyer conversation as the platform lists it (newest activity first)."""

    id: str  # the platform's id, always as a string (Shopee's exceed 2**53)
    buyer_id: str  # the platform's buyer/user id: becomes a BUYER identity
    buyer_name: str
    last_activity: datetime  # aware UTC: the latest message's time
    latest_message_id: str = ""
    unread_count: int = 0
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message in a conversation, made readable; ``raw`` keeps the platform's JSON."""

    id: str
    conversation_id: str
    from_buyer: bool  # False: the shop (its agents, bots or system notices)
    sender_id: str
    sender_name: str
    sent_at: datetime  # aware UTC
    kind: str  # "text", "system", or a card's kind (cards.CardKind: "order", "image", ...)
    text: str  # what a person reads: the text, or the card's one line (cards.Card.text)
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
    auto_reply: bool = False  # the platform's or the shop's automatic message
    # A notice by the marketplace itself (not the buyer's, not the shop's words): a rating
    # request, "an agent joined", a recall notice. ``from_buyer`` is False for these.
    from_platform: bool = False
    # The platform order id an order card (or a return card) names: ingest stores the link.
    order_ref: str = ""


class RateLimitedError(ChannelError):
    """HTTP 429 or a platform "busy" error; ``retry_after`` seconds when the server said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message, transient=True)
        self.retry_after = retry_after


class TokenExpiredError(ChannelError):
    """The access token was refused as expired/invalid: refresh, then retry once."""

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=True)


class NotSentError(ChannelError):
    """The request never reached the platform (connection refused, DNS, connect timeout)."""


class AmbiguousSendError(ChannelError):
    """A send whose outcome is unknown (timeout, connection lost after the request went out).

    The caller must look for the message in the conversation before sending again.
    """


@dataclass
class Tokens:
    """An access token and, where the platform rotates them, its refresh token."""

    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None  # aware UTC; None: unknown


class TokenKeeper(Protocol):
    """Where rotated tokens live; implemented above the channels layer (store or keyring).

    ``save`` must be durable BEFORE it returns: Shopee invalidates the old refresh token
    as soon as it issues a new one, so losing the new one locks the shop out.
    """

    def load(self) -> Tokens:
        """The newest tokens (persisted rotations win over the config's initial values)."""
        ...

    def save(self, tokens: Tokens) -> None:
        """Persist freshly rotated tokens atomically."""
        ...


class ChatAdapter(Protocol):
    """A marketplace chat channel. Every failure is a ChannelError subclass with one line."""

    channel_type: str

    def conversations_since(self, since: datetime | None) -> list[ChatConversation]:
        """Conversations with activity after ``since`` (all when None), newest first.

        Pages by latest activity and stops at the first conversation not newer than
        ``since``, so an idle poll costs ONE request.
        """
        ...

    def messages(self, conversation: ChatConversation, after: datetime | None) -> list[ChatMessage]:
        """The conversation's messages sent after ``after`` (all when None), oldest first."""
        ...

    def send_text(self, conversation_id: str, buyer_id: str, text: str) -> str:
        """Send ``text``; returns the platform's message id.

        Raises AmbiguousSendError when the request may have gone through.
        """
        ...

    def recent_messages(self, conversation_id: str, limit: int = 50) -> list[ChatMessage]:
        """The newest ``limit`` messages, oldest first (to find our own after an ambiguous send)."""
        ...

    def mark_read(self, conversation_id: str) -> None:
        """Mark the conversation read on the platform (only when the user asked for it)."""
        ...

    def close(self) -> None:
        """Release the HTTP connection pool."""
        ...


Sleep = Callable[[float], None]  # injectable so tests of back-off do not wait
