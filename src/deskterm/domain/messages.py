"""Normalised inbound messages: what every channel adapter hands to ingest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from deskterm.domain.enums import IdentityKind, ParseStatus


@dataclass(frozen=True, slots=True)
class Party:
    """One participant: a display name and a handle (email address, buyer id or phone)."""

    name: str
    handle: str
    kind: IdentityKind = IdentityKind.EMAIL
    # Contact details a platform exposes about this person (a marketplace buyer's email or
    # phone, as given): ingest links the party to the customer who already owns one of them.
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()

    def label(self) -> str:
        """``Name <handle>`` or just the handle when there is no name."""
        return f"{self.name} <{self.handle}>" if self.name else self.handle


@dataclass(frozen=True, slots=True)
class AttachmentData:
    """An attachment's bytes and metadata as found in the message."""

    filename: str  # already made safe for display and for disk (see channels.email.mime)
    content_type: str
    content: bytes
    inline: bool = False
    content_id: str = ""


@dataclass(slots=True)
class InboundMessage:
    """A message as a channel adapter understood it, before it becomes store rows.

    ``external_id`` is the channel's own id (Message-ID for email); it is NOT unique in the
    wild, so ingest dedupes on ``(external_id, content_hash)``.
    """

    external_id: str
    content_hash: str
    subject: str
    sender: Party
    recipients: list[Party] = field(default_factory=list)
    cc: list[Party] = field(default_factory=list)
    reply_to: list[Party] = field(default_factory=list)
    sent_at: datetime | None = None  # UTC, naive; None when the source had no usable date
    body_text: str = ""
    body_html_text: str = ""  # the HTML part converted to text, sanitised, links kept as text
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    attachments: list[AttachmentData] = field(default_factory=list)
    raw: bytes = b""
    raw_format: str = "rfc822"  # "json" for a marketplace message (the platform's own JSON)
    parse_status: ParseStatus = ParseStatus.OK
    parse_error: str = ""
    auto_submitted: bool = False  # Auto-Submitted / Precedence: bulk / list mail (RFC 3834)
    headers: dict[str, str] = field(default_factory=dict)  # a few useful ones, decoded
    # The shop's own message (a chat reply typed in the platform's app): stored as "out",
    # and the customer is ``recipients[0]``. Email decides this from the addresses instead.
    outbound: bool = False
    # A notice from the marketplace itself (rating request, agent assigned, recall notice):
    # stored as direction "system"; it never answers, opens or reopens a ticket.
    platform_notice: bool = False
    # The name a chat's ticket gets when no words of the buyer opened it ("Chat with Siti",
    # after a card or a notice): the buyer's first words replace it on the ticket later.
    stand_in_subject: str = ""
    # The platform order id a chat order card names: stored on the message (message.order_ref)
    # so the sync can fetch that order and the conversation can show it.
    order_ref: str = ""
