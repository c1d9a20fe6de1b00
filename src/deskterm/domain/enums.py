"""Enumerations with stable string values used in the store, the CLI and --json."""

from enum import StrEnum


class Direction(StrEnum):
    """Who a message goes to: from the customer, to the customer, or nobody (note).

    ``system``: a notice from the marketplace itself ("please rate this shop", an agent
    joined, a message was recalled): nobody's words, never an agent's reply.
    """

    IN = "in"
    OUT = "out"
    NOTE = "note"
    SYSTEM = "system"


class TicketStatus(StrEnum):
    """A ticket is open or closed; snoozing is closed with a ``snoozed_until`` time."""

    OPEN = "open"
    CLOSED = "closed"


SNOOZED = "snoozed"
"""The status every reader shows (--json, tables, the TUI) for a snoozed ticket."""


def shown_status(stored: str, snoozed_until: object) -> str:
    """The one status word a person or script sees: ``open``, ``closed`` or ``snoozed``.

    The store keeps a snooze as ``closed`` with a ``snoozed_until`` time (helpdesk
    semantics: snoozing closes until a time); showing that as "closed" next to the
    Snoozed view's "snoozed" read as three statuses for one ticket (issue 10 item 10).
    """
    return SNOOZED if stored == TicketStatus.CLOSED and snoozed_until is not None else stored


class ChannelType(StrEnum):
    """The kinds of channel deskterm can talk to."""

    EMAIL = "email"
    TIKTOKSHOP = "tiktokshop"
    SHOPEE = "shopee"
    LAZADA = "lazada"


class IdentityKind(StrEnum):
    """The kinds of handle one customer can be known by."""

    EMAIL = "email"
    PHONE = "phone"
    BUYER = "buyer"  # a marketplace buyer id; ``scope`` names the channel type


class ParseStatus(StrEnum):
    """How well a raw message could be understood; raw bytes are always kept."""

    OK = "ok"
    PARTIAL = "partial"  # some headers or parts were broken but text was recovered
    FAILED = "failed"  # nothing could be parsed beyond the raw bytes


class OutboxState(StrEnum):
    """Delivery states of an outbox row (reliability.md item 12)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
