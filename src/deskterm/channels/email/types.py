"""Value types shared by the IMAP and SMTP adapters and the sync workers that drive them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class FolderStatus:
    """What a folder looks like right now (from SELECT/EXAMINE or STATUS)."""

    name: str
    uidvalidity: int
    uidnext: int
    exists: int
    highestmodseq: int | None = None  # only when the server offers CONDSTORE


@dataclass(frozen=True, slots=True)
class FetchedMail:
    """One message as fetched with BODY.PEEK[] (fetching never sets \\Seen)."""

    uid: int
    raw: bytes
    flags: tuple[str, ...] = ()
    internaldate: datetime | None = None  # aware UTC


class SendOutcome(StrEnum):
    """How an SMTP delivery attempt ended (channels.md "SMTP", reliability.md item 12)."""

    SENT = "sent"  # 250 after DATA
    TEMPORARY = "temporary"  # 4xx or a failure before DATA: retry later, same Message-ID
    PERMANENT = "permanent"  # 5xx: do not retry; show the reason to the agent
    UNKNOWN = "unknown"  # connection lost after the final "." before the reply: check Sent


@dataclass(frozen=True, slots=True)
class SendResult:
    """The outcome of one delivery attempt and a one-line human reason."""

    outcome: SendOutcome
    detail: str = ""
    code: int | None = None  # the SMTP reply code when there was one
